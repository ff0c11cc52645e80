import { Duration } from 'aws-cdk-lib';
import { pipelineStack } from './fixture';
import { triggerEnvironment } from './wiring';

describe('BatchPipeline passes the failure-reporting props on', () => {
  test('by default the trigger notifies refused uploads on the pipeline\'s topic and the queue cancels a job stuck RUNNABLE after 30 minutes', () => {
    const { template, pipeline, stack } = pipelineStack();
    expect(triggerEnvironment(template).NOTIFICATION_TOPIC_ARN).toEqual(stack.resolve(pipeline.notificationTopic.topicArn));
    const [queue] = Object.values(template.findResources('AWS::Batch::JobQueue'));
    expect(queue.Properties.JobStateTimeLimitActions.map((action: { MaxTimeSeconds: number }) => action.MaxTimeSeconds)).toEqual([1800, 1800, 1800]);
  });

  test('orchestrationProps.notifyRefusedUploads false and processorProps.runnableTimeout reach the trigger and the job queue', () => {
    const { template } = pipelineStack({
      orchestrationProps: { notifyRefusedUploads: false },
      processorProps: { runnableTimeout: Duration.hours(2) },
    });
    expect(triggerEnvironment(template).NOTIFICATION_TOPIC_ARN).toBeUndefined();
    const [queue] = Object.values(template.findResources('AWS::Batch::JobQueue'));
    expect(queue.Properties.JobStateTimeLimitActions.map((action: { MaxTimeSeconds: number }) => action.MaxTimeSeconds)).toEqual([7200, 7200, 7200]);
  });
});
