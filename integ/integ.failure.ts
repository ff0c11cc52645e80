// A failed run ends FAILED and notifies: the job (built from integ/job as an image asset)
// exits 3 because the input contains FAIL, the execution ends FAILED, and the failure
// notification arrives in an SQS queue subscribed to the pipeline's KMS-encrypted topic:
// on a real account this proves that the state machine may publish with the topic's key.
import { ActualResult, ExpectedResult } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { PipelineTestStack, WATCH_PREFIX, newIntegTest, newTestApp, uploadAndAwaitRun } from './src/pipeline-under-test';

const CONTENT = 'batch-pipeline integ test: this input asks the job to FAIL\n';
const KEY = `${WATCH_PREFIX}integ/fail.txt`;

const app = newTestApp();
const stack = new PipelineTestStack(app, 'BatchPipelineIntegFailure', { imageAsset: true });
// The test's receiver of the notifications. SQS-managed encryption (SSE-SQS) needs no key
// policy for SNS; a queue encrypted with a customer key would need SNS in that key's policy.
const notifications = new sqs.Queue(stack, 'Notifications', {
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
  retentionPeriod: Duration.hours(1),
});
// The subscription also gives the topic sqs:SendMessage on the queue (queue policy, source ARN = topic).
stack.pipeline.notificationTopic.addSubscription(new subscriptions.SqsSubscription(notifications, { rawMessageDelivery: true }));
const integ = newIntegTest(app, 'FailedRunNotifies', stack);

const run = uploadAndAwaitRun(integ, stack.pipeline, {
  key: KEY,
  content: CONTENT,
  status: 'FAILED',
  timeout: Duration.minutes(20),
});

// Raw delivery: the message body is the notification as an email reads it (run, file, step and
// reason first, the JSON details after), and the notification's message attributes arrive as the
// SQS message's attributes, which the assertions read.
const message = integ.assertions.awsApiCall('SQS', 'receiveMessage', {
  QueueUrl: notifications.queueUrl,
  MaxNumberOfMessages: 1,
  WaitTimeSeconds: 20,
  MessageAttributeNames: ['All'],
}, ['Messages.0.Body', 'Messages.0.MessageAttributes.runId.StringValue', 'Messages.0.MessageAttributes.key.StringValue',
  'Messages.0.MessageAttributes.exitCode.StringValue']);
message.assertAtPath('Messages.0.MessageAttributes.failedStep.StringValue', ExpectedResult.exact('process')).waitForAssertions({
  totalTimeout: Duration.minutes(5),
  interval: Duration.seconds(10),
  backoffRate: 1,
});
run.runs.next(message);
integ.assertions.expect('NotificationNamesTheRun', ExpectedResult.exact(run.runId),
  ActualResult.fromAwsApiCall(message, 'Messages.0.MessageAttributes.runId.StringValue'));
integ.assertions.expect('NotificationNamesTheInput', ExpectedResult.exact(KEY),
  ActualResult.fromAwsApiCall(message, 'Messages.0.MessageAttributes.key.StringValue'));
// The job exits 3 for this input: the exit code reaches the notification.
integ.assertions.expect('NotificationGivesTheExitCode', ExpectedResult.exact('3'),
  ActualResult.fromAwsApiCall(message, 'Messages.0.MessageAttributes.exitCode.StringValue'));
integ.assertions.expect('FailedRunRemovedItsFiles', ExpectedResult.stringLikeRegexp(`/runs/${run.runId}`),
  ActualResult.fromAwsApiCall(message, 'Messages.0.Body'));

app.synth();
