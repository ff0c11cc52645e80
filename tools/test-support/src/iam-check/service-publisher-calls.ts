import { CallList } from './call-list';

/**
 * The calls AWS services make for the stack, which only resource policies can allow: EventBridge rules
 * delivering to their targets, CloudWatch alarms notifying SNS topics, S3 notifying functions, topics
 * and queues of new objects. A role a rule target names makes its call with that role instead.
 */
export function servicePublisherCalls(calls: CallList) {
  const set = calls.set;
  for (const rule of set.resources('AWS::Events::Rule')) {
    const ruleArn = set.attribute(rule, 'Arn');
    for (const target of set.property(rule, 'Targets') ?? []) {
      const arn = String(target.Arn);
      const why = `${rule.logicalId} delivers to target ${target.Id}`;
      const service = arn.split(':')[2];
      if (target.RoleArn) {
        const action = { states: 'states:StartExecution', sqs: 'sqs:SendMessage', sns: 'sns:Publish', lambda: 'lambda:InvokeFunction', events: 'events:PutEvents' }[service];
        if (action === 'sns:Publish') calls.publish({ role: target.RoleArn }, arn, why);
        else if (action) calls.byRole(target.RoleArn, action, arn, why);
        else calls.cannotResolve(target.RoleArn, `${service}:*`, why, `a rule target of service ${service} is not modelled`);
      } else if (service === 'sns') {
        calls.publish({ service: 'events.amazonaws.com', sourceArn: ruleArn }, arn, why);
      } else if (service === 'lambda') {
        calls.byService('events.amazonaws.com', 'lambda:InvokeFunction', arn, ruleArn, why);
      } else if (service === 'sqs') {
        calls.byService('events.amazonaws.com', 'sqs:SendMessage', arn, ruleArn, why);
      } else if (service === 'logs') {
        calls.writeLogs({ service: 'events.amazonaws.com', sourceArn: ruleArn }, arn, why);
      } else {
        calls.cannotResolve('events.amazonaws.com', `${service}:*`, why, `a rule target of service ${service} without a role is not modelled`);
      }
    }
  }
  for (const alarm of set.resources('AWS::CloudWatch::Alarm')) {
    const alarmArn = set.attribute(alarm, 'Arn');
    for (const property of ['AlarmActions', 'OKActions', 'InsufficientDataActions']) {
      for (const action of set.property(alarm, property) ?? []) {
        if (String(action).split(':')[2] === 'sns') calls.publish({ service: 'cloudwatch.amazonaws.com', sourceArn: alarmArn }, action, `${alarm.logicalId} notifies on ${property}`);
      }
    }
  }
  const notifications = [
    ...set.resources('Custom::S3BucketNotifications').map((n) => ({ from: n.logicalId, bucket: set.property(n, 'BucketName'), config: set.property(n, 'NotificationConfiguration') })),
    ...set.resources('AWS::S3::Bucket').map((b) => ({ from: b.logicalId, bucket: set.ref(b), config: set.property(b, 'NotificationConfiguration') })),
  ];
  for (const { from, bucket, config } of notifications) {
    if (!config) continue;
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const why = `${from}: S3 notifies of new objects in ${bucket}`;
    for (const c of [...(config.LambdaFunctionConfigurations ?? []), ...(config.LambdaConfigurations ?? [])]) {
      calls.byService('s3.amazonaws.com', 'lambda:InvokeFunction', c.LambdaFunctionArn ?? c.Function, bucketArn, why);
    }
    for (const c of [...(config.TopicConfigurations ?? [])]) calls.publish({ service: 's3.amazonaws.com', sourceArn: bucketArn }, c.TopicArn ?? c.Topic, why);
    for (const c of [...(config.QueueConfigurations ?? [])]) calls.byService('s3.amazonaws.com', 'sqs:SendMessage', c.QueueArn ?? c.Queue, bucketArn, why);
  }
}
