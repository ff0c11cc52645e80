import { CallList } from './call-list';
import { TemplateResource } from './template-resolver';

/** A representative execution or job id, for calls on what an earlier state started. */
const EXAMPLE = { datasyncExecution: 'exec-0123456789abcdef0', batchJob: '01234567-89ab-cdef-0123-456789abcdef', execution: 'example-run' };

/** aws-sdk integration service names that are not the IAM service prefix. */
const SDK_SERVICE_PREFIX: Record<string, string> = {
  sfn: 'states', efs: 'elasticfilesystem', cloudwatchlogs: 'logs', eventbridge: 'events', elasticloadbalancingv2: 'elasticloadbalancing',
};

/** aws-sdk API names that IAM authorizes under another action name. */
const SDK_ACTION_ALIAS: Record<string, string> = {
  's3:ListObjectsV2': 's3:ListBucket', 's3:HeadObject': 's3:GetObject', 's3:HeadBucket': 's3:ListBucket',
};

interface State {
  readonly name: string;
  readonly definition: Record<string, any>;
}

/** A parameter as written: a literal, or a JSONPath (`Name.$`) the execution fills in. */
interface Parameter {
  readonly literal?: string;
  readonly path?: string;
}

/**
 * The calls each Task state of each state machine makes with the state machine's role, as the Step
 * Functions service integration makes them ("IAM policies for integrated services" in the Step Functions
 * docs), plus the log delivery and X-Ray calls the machine's logging and tracing settings need.
 */
export function stateMachineCalls(calls: CallList) {
  const set = calls.set;
  for (const machine of set.resources('AWS::StepFunctions::StateMachine')) {
    const role: string = set.property(machine, 'RoleArn');
    const states = allStates(definitionOf(machine));
    const producers = resultProducers(calls, states);
    for (const state of states.filter((s) => s.definition.Type === 'Task')) {
      taskCalls(calls, role, state, `${machine.logicalId} state '${state.name}'`, producers);
    }
    if (set.property(machine, 'LoggingConfiguration.Destinations')?.length) {
      for (const action of ['CreateLogDelivery', 'GetLogDelivery', 'UpdateLogDelivery', 'DeleteLogDelivery', 'ListLogDeliveries', 'PutResourcePolicy', 'DescribeResourcePolicies', 'DescribeLogGroups']) {
        calls.byRole(role, `logs:${action}`, '*', `${machine.logicalId} logs its executions to CloudWatch Logs`);
      }
    }
    if (set.property(machine, 'TracingConfiguration.Enabled') === true) {
      for (const action of ['PutTraceSegments', 'PutTelemetryRecords', 'GetSamplingRules', 'GetSamplingTargets']) {
        calls.byRole(role, `xray:${action}`, '*', `${machine.logicalId} traces its executions with X-Ray`);
      }
    }
  }
}

/** The definition of a state machine, parsed: DefinitionString (string or Fn::Join) or Definition, with its substitutions. */
function definitionOf(machine: TemplateResource): Record<string, any> {
  const template = machine.template;
  let text: string = machine.properties.Definition !== undefined
    ? JSON.stringify(template.resolve(machine.properties.Definition))
    : template.resolve(machine.properties.DefinitionString);
  if (typeof text !== 'string') throw new Error(`IAM check: state machine '${machine.logicalId}' has no DefinitionString or Definition this check can read`);
  for (const [name, value] of Object.entries<any>(template.resolve(machine.properties.DefinitionSubstitutions) ?? {})) {
    text = text.split(`\${${name}}`).join(String(value));
  }
  return JSON.parse(text);
}

/** Every state, also those inside Parallel branches and Map iterators. */
function allStates(definition: Record<string, any>): State[] {
  const states: State[] = [];
  for (const [name, state] of Object.entries<any>(definition.States ?? {})) {
    states.push({ name, definition: state });
    for (const branch of state.Branches ?? []) states.push(...allStates(branch));
    if (state.Iterator) states.push(...allStates(state.Iterator));
    if (state.ItemProcessor) states.push(...allStates(state.ItemProcessor));
  }
  return states;
}

/**
 * For each ResultPath of a Task state that starts something (a DataSync execution, a Batch job, an
 * execution), a representative ARN of what it started: a later state that reads `$.<ResultPath>.x`
 * acts on that ARN, which an IAM resource pattern such as `<task ARN>/execution/*` must match.
 */
function resultProducers(calls: CallList, states: State[]): Map<string, string> {
  const { account, region } = calls.set.place;
  const producers = new Map<string, string>();
  for (const { definition } of states) {
    if (definition.Type !== 'Task' || typeof definition.ResultPath !== 'string') continue;
    const resource = String(definition.Resource);
    const params = definition.Parameters ?? {};
    let started: string | undefined;
    if (/:aws-sdk:datasync:startTaskExecution$/.test(resource) && typeof params.TaskArn === 'string') {
      started = `${params.TaskArn}/execution/${EXAMPLE.datasyncExecution}`;
    } else if (/:states:::batch:submitJob/.test(resource)) {
      started = `arn:aws:batch:${region}:${account}:job/${EXAMPLE.batchJob}`;
    } else if (/:states:::states:startExecution/.test(resource) && typeof params.StateMachineArn === 'string') {
      started = `${params.StateMachineArn.replace(':stateMachine:', ':execution:')}:${EXAMPLE.execution}`;
    }
    if (started) producers.set(definition.ResultPath, started);
  }
  return producers;
}

function parameter(params: Record<string, any>, name: string): Parameter | undefined {
  if (typeof params[name] === 'string') return { literal: params[name] };
  if (typeof params[`${name}.$`] === 'string') return { path: params[`${name}.$`] };
  return undefined;
}

/** The ARN a parameter names: its literal value, or what the state that wrote its JSONPath started. */
function arnOf(value: Parameter, producers: Map<string, string>): string | undefined {
  if (value.literal !== undefined) return value.literal;
  let best: string | undefined;
  for (const resultPath of producers.keys()) {
    if ((value.path === resultPath || value.path!.startsWith(`${resultPath}.`)) && (best === undefined || resultPath.length > best.length)) best = resultPath;
  }
  return best === undefined ? undefined : producers.get(best);
}

function taskCalls(calls: CallList, role: string, state: State, reason: string, producers: Map<string, string>) {
  const { account, region } = calls.set.place;
  const resource = String(state.definition.Resource);
  const params: Record<string, any> = state.definition.Parameters ?? {};
  const integration = /^arn:aws[a-z-]*:states:::(.+?)(\.sync(:2)?|\.waitForTaskToken)?$/.exec(resource);
  const resolveOr = (action: string, value: Parameter | undefined, render: (literal: string) => string = (v) => v) => {
    const arn = value ? arnOf(value, producers) : undefined;
    if (arn === undefined) {
      calls.cannotResolve(role, action, reason, value?.path ? `no earlier state produces the ARN at ${value.path}` : 'the state names no resource');
      return;
    }
    calls.byRole(role, action, render(arn), reason);
  };
  if (/^arn:aws[a-z-]*:lambda:/.test(resource)) {
    calls.byRole(role, 'lambda:InvokeFunction', resource, reason);
    return;
  }
  if (!integration) {
    calls.cannotResolve(role, 'states:*', reason, `the Task resource ${resource} is not a service integration this check models`);
    return;
  }
  const [, api, mode] = integration;
  const functionArn = (name: string) => name.startsWith('arn:') ? name : `arn:aws:lambda:${region}:${account}:function:${name}`;
  const batchArn = (kind: string) => (name: string) => name.startsWith('arn:') ? name : `arn:aws:batch:${region}:${account}:${kind}/${name}`;
  if (api.startsWith('aws-sdk:')) {
    sdkCall(calls, role, api, params, reason, producers);
    if (api === 'aws-sdk:datasync:startTaskExecution' && params.ManifestConfig?.Source?.S3) manifestCalls(calls, role, params.ManifestConfig.Source.S3, reason);
  } else if (api === 'lambda:invoke') {
    resolveOr('lambda:InvokeFunction', parameter(params, 'FunctionName'), functionArn);
  } else if (api === 'sns:publish') {
    const topic = parameter(params, 'TopicArn');
    const topicArn = topic ? arnOf(topic, producers) : undefined;
    if (topicArn === undefined) calls.cannotResolve(role, 'sns:Publish', reason, 'the topic is not named');
    else calls.publish({ role }, topicArn, reason);
  } else if (api === 'sqs:sendMessage') {
    const url = parameter(params, 'QueueUrl')?.literal;
    const queue = url ? calls.set.find(url, 'AWS::SQS::Queue') : undefined;
    const queueArn = queue ? calls.set.attribute(queue, 'Arn') : url?.replace(/^https:\/\/sqs\.([^.]+)\.amazonaws\.com\/(\d+)\/(.+)$/, 'arn:aws:sqs:$1:$2:$3');
    if (queueArn === undefined) calls.cannotResolve(role, 'sqs:SendMessage', reason, 'the queue is not named');
    else calls.byRole(role, 'sqs:SendMessage', queueArn, reason);
  } else if (api === 'batch:submitJob') {
    resolveOr('batch:SubmitJob', parameter(params, 'JobQueue'), batchArn('job-queue'));
    resolveOr('batch:SubmitJob', parameter(params, 'JobDefinition'), batchArn('job-definition'));
    // A SubmitJob with tags is also authorized as batch:TagResource on the job it creates, with the
    // tags in the request ("Tag your resources", Batch User Guide); a key ending in .$ is the tag key.
    const tagKeys = Object.keys(params.Tags ?? {}).map((key) => key.replace(/\.\$$/, ''));
    if (tagKeys.length > 0) {
      calls.byRole(role, 'batch:TagResource', `arn:aws:batch:${region}:${account}:job/${EXAMPLE.batchJob}`, `${reason} (tags the job it submits)`,
        { 'aws:TagKeys': tagKeys });
    }
    if (mode === '.sync') {
      // What .sync needs besides SubmitJob ("IAM policies for AWS Batch", Step Functions docs).
      calls.byRole(role, 'batch:DescribeJobs', '*', `${reason} (waits for the job)`);
      calls.byRole(role, 'batch:TerminateJob', `arn:aws:batch:${region}:${account}:job/${EXAMPLE.batchJob}`, `${reason} (stops the job when the state ends early)`);
      for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule']) {
        calls.byRole(role, action, `arn:aws:events:${region}:${account}:rule/StepFunctionsGetEventsForBatchJobsRule`, `${reason} (the managed rule that reports job state)`);
      }
    }
  } else if (api === 'states:startExecution') {
    const machine = parameter(params, 'StateMachineArn');
    resolveOr('states:StartExecution', machine);
    if (mode?.startsWith('.sync')) {
      const started = machine?.literal ? `${machine.literal.replace(':stateMachine:', ':execution:')}:${EXAMPLE.execution}` : undefined;
      for (const action of ['states:DescribeExecution', 'states:StopExecution']) resolveOr(action, started ? { literal: started } : undefined);
      for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule']) {
        calls.byRole(role, action, `arn:aws:events:${region}:${account}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`, `${reason} (the managed rule that reports execution state)`);
      }
    }
  } else if (api === 'events:putEvents') {
    const entries: any[] = Array.isArray(params.Entries) ? params.Entries : [{}];
    for (const entry of entries) {
      const bus = typeof entry.EventBusName === 'string' ? entry.EventBusName : 'default';
      calls.byRole(role, 'events:PutEvents', bus.startsWith('arn:') ? bus : `arn:aws:events:${region}:${account}:event-bus/${bus}`, reason);
    }
  } else {
    calls.cannotResolve(role, api, reason, `the integration ${resource} is not one this check models`);
  }
}

/**
 * A start with a manifest passes the role DataSync reads the manifest with (the caller needs
 * iam:PassRole for it, to DataSync), and DataSync reads the manifest object with that role:
 * s3:GetObject, s3:GetObjectVersion and the bucket key's decrypt ("Providing DataSync access to your
 * manifest", DataSync User Guide). A path built with States.Format stands for the run's own manifest.
 */
function manifestCalls(calls: CallList, role: string, source: Record<string, any>, reason: string) {
  const readRole = source.BucketAccessRoleArn;
  const bucketArn = source.S3BucketArn;
  const path = parameter(source, 'ManifestObjectPath');
  if (typeof readRole !== 'string' || typeof bucketArn !== 'string' || path === undefined) {
    calls.cannotResolve(role, 'iam:PassRole', reason, 'the manifest\'s role, bucket or path is not named');
    return;
  }
  const format = /^States\.Format\('([^']*)'/.exec(path.path ?? '');
  const key = path.literal ?? (format ? format[1].split('{}').join('example-run') : 'example-manifest.csv');
  const why = `${reason} (DataSync reads the run's manifest)`;
  calls.byRole(role, 'iam:PassRole', readRole, `${reason} (passes the manifest role)`, { 'iam:PassedToService': 'datasync.amazonaws.com' });
  for (const action of ['s3:GetObject', 's3:GetObjectVersion']) calls.byRole(readRole, action, `${bucketArn}/${key}`, why);
  calls.bucketKeyCalls(readRole, bucketArn, false, why);
}

/** `arn:aws:states:::aws-sdk:<service>:<apiAction>`: IAM action `<prefix>:<ApiAction>` on the ARN its parameters name. */
function sdkCall(calls: CallList, role: string, api: string, params: Record<string, any>, reason: string, producers: Map<string, string>) {
  const [, service, apiAction] = api.split(':');
  const named = `${SDK_SERVICE_PREFIX[service.toLowerCase()] ?? service.toLowerCase()}:${apiAction.charAt(0).toUpperCase()}${apiAction.slice(1)}`;
  const action = SDK_ACTION_ALIAS[named] ?? named;
  if (service === 's3' && (params.Bucket !== undefined || params['Bucket.$'] !== undefined)) {
    const bucket = parameter(params, 'Bucket')?.literal;
    const key = parameter(params, 'Key');
    if (bucket === undefined) return calls.cannotResolve(role, action, reason, 'the bucket is a JSONPath');
    // A key from the execution input stands for any object of the bucket.
    return calls.byRole(role, action, key ? `arn:aws:s3:::${bucket}/${key.literal ?? 'example-object'}` : `arn:aws:s3:::${bucket}`, reason);
  }
  const arnParameter = Object.keys(params).map((k) => k.replace(/\.\$$/, '')).find((k) => /arn$/i.test(k) && !/^roleArn$/i.test(k));
  if (arnParameter === undefined) {
    // Calls with no ARN parameter are wildcard-only actions (DescribeLogGroups, PutMetricData ...) or not modelled.
    // PutMetricData is authorized on the namespace it writes, which policies scope with cloudwatch:namespace.
    const context: Record<string, string> = action === 'cloudwatch:PutMetricData' && typeof params.Namespace === 'string' ? { 'cloudwatch:namespace': params.Namespace } : {};
    return calls.byRole(role, action, '*', `${reason} (no ARN parameter: evaluated on '*')`, context);
  }
  const value = parameter(params, arnParameter)!;
  const arn = arnOf(value, producers);
  if (arn === undefined) return calls.cannotResolve(role, action, reason, `no earlier state produces the ARN at ${value.path}`);
  return calls.byRole(role, action, arn, reason);
}
