import { CallList } from './call-list';

/** A representative network interface, for the calls Lambda makes to attach a function to its VPC. */
const EXAMPLE_ENI = 'eni-0123456789abcdef0';

/**
 * The calls each Lambda function makes with its execution role: starting the state machine whose ARN
 * its environment names (the trigger), publishing to a topic its environment names, mounting its EFS access points, writing its logs, reaching its
 * VPC and sending failed events to its destination. What the handler code does beyond that is not read.
 */
export function functionCalls(calls: CallList) {
  const set = calls.set;
  const { account, region } = set.place;
  for (const fn of set.resources('AWS::Lambda::Function')) {
    const role: string = set.property(fn, 'Role');
    const name = set.ref(fn);
    const functionArn = set.attribute(fn, 'Arn');
    for (const [variable, value] of Object.entries<any>(set.property(fn, 'Environment.Variables') ?? {})) {
      const machine = typeof value === 'string' ? set.find(value, 'AWS::StepFunctions::StateMachine') : undefined;
      if (machine) calls.byRole(role, 'states:StartExecution', set.ref(machine), `${fn.logicalId} starts executions of the state machine in ${variable}`);
      // A topic named in the environment is one the function publishes to (the trigger's notices of refused uploads).
      const topic = typeof value === 'string' ? set.find(value, 'AWS::SNS::Topic') : undefined;
      if (topic) calls.publish({ role }, set.ref(topic), `${fn.logicalId} publishes to the topic in ${variable}`);
    }
    for (const config of set.property(fn, 'FileSystemConfigs') ?? []) {
      const { accessPointArn, fileSystemArn } = calls.accessPoint(config.Arn);
      if (fileSystemArn === undefined) {
        calls.cannotResolve(role, 'elasticfilesystem:ClientMount', `${fn.logicalId} mounts ${config.Arn}`, 'the access point is not defined by the templates, so its file system is unknown');
        continue;
      }
      // Lambda mounts with TLS and IAM authorization, always read-write.
      calls.mount(role, fileSystemArn, accessPointArn, true, true, `${fn.logicalId} mounts ${accessPointArn} at ${config.LocalMountPath}`);
    }
    const logGroup = set.property(fn, 'LoggingConfig.LogGroup') ?? `/aws/lambda/${name}`;
    calls.writeLogs({ role }, logGroup, `${fn.logicalId} writes its logs`);
    const vpc = set.property(fn, 'VpcConfig');
    if (vpc?.SubnetIds?.length) {
      const eni = `arn:aws:ec2:${region}:${account}:network-interface/${EXAMPLE_ENI}`;
      const why = `${fn.logicalId} runs in a VPC: Lambda manages its network interfaces with the execution role`;
      for (const resource of [eni, ...vpc.SubnetIds.map((s: string) => `arn:aws:ec2:${region}:${account}:subnet/${s}`), ...(vpc.SecurityGroupIds ?? []).map((g: string) => `arn:aws:ec2:${region}:${account}:security-group/${g}`)]) {
        calls.byRole(role, 'ec2:CreateNetworkInterface', resource, why);
      }
      calls.byRole(role, 'ec2:DescribeNetworkInterfaces', '*', why);
      for (const action of ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses']) calls.byRole(role, action, eni, why);
    }
    const deadLetter = set.property(fn, 'DeadLetterConfig.TargetArn');
    if (deadLetter) destinationCall(calls, role, deadLetter, `${fn.logicalId} sends events it could not process to its dead-letter target`);
    for (const invokeConfig of set.resources('AWS::Lambda::EventInvokeConfig')) {
      const target: string = set.property(invokeConfig, 'FunctionName');
      if (target !== name && target !== functionArn) continue;
      for (const outcome of ['OnFailure', 'OnSuccess']) {
        const destination = set.property(invokeConfig, `DestinationConfig.${outcome}.Destination`);
        if (destination) destinationCall(calls, role, destination, `${fn.logicalId} sends the record of an asynchronous invocation to its ${outcome} destination`);
      }
    }
  }
}

/** Sending to a Lambda destination or dead-letter target, with the function's role. */
function destinationCall(calls: CallList, role: string, target: string, reason: string) {
  const service = target.split(':')[2];
  if (service === 'sqs') calls.byRole(role, 'sqs:SendMessage', target, reason);
  else if (service === 'sns') calls.publish({ role }, target, reason);
  else if (service === 'lambda') calls.byRole(role, 'lambda:InvokeFunction', target, reason);
  else if (service === 'events') calls.byRole(role, 'events:PutEvents', target, reason);
  else calls.cannotResolve(role, `${service}:*`, reason, `a destination of service ${service} is not modelled`);
}
