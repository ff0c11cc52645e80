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

// Raw delivery: the message body is the notification itself (JSON), whose fields the
// assertion provider parses and flattens.
const message = integ.assertions.awsApiCall('SQS', 'receiveMessage', {
  QueueUrl: notifications.queueUrl,
  MaxNumberOfMessages: 1,
  WaitTimeSeconds: 20,
}, ['Messages.0.Body.runId', 'Messages.0.Body.key', 'Messages.0.Body.cleanUp.removed.0']);
message.assertAtPath('Messages.0.Body.failedStep', ExpectedResult.exact('process')).waitForAssertions({
  totalTimeout: Duration.minutes(5),
  interval: Duration.seconds(10),
  backoffRate: 1,
});
run.runs.next(message);
integ.assertions.expect('NotificationNamesTheRun', ExpectedResult.exact(run.runId),
  ActualResult.fromAwsApiCall(message, 'Messages.0.Body.runId'));
integ.assertions.expect('NotificationNamesTheInput', ExpectedResult.exact(KEY),
  ActualResult.fromAwsApiCall(message, 'Messages.0.Body.key'));
integ.assertions.expect('FailedRunRemovedItsFiles', ExpectedResult.exact(`/runs/${run.runId}`),
  ActualResult.fromAwsApiCall(message, 'Messages.0.Body.cleanUp.removed.0'));

app.synth();
