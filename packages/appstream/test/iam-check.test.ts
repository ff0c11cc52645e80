import { PipelineNetwork } from '@batch-pipeline/network';
import { TEST_ENV, checkIamCalls, testStack } from '@batch-pipeline/test-support';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { QualityControlDesktop } from '../src';

/** Synthesizing the stack and evaluating every call takes seconds, more on a loaded machine. */
const CHECK_TIMEOUT_MS = 60_000;

describe('the calls of the quality-control desktop are allowed by its policies (IAM check)', () => {
  test('in a pipeline network with buckets of the same stack', async () => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    new QualityControlDesktop(stack, 'Desktop', {
      imageName: 'qc-image', network, reportsBucket: new s3.Bucket(stack, 'Reports', { encryption: s3.BucketEncryption.KMS }), uploadBucket: new s3.Bucket(stack, 'Uploads'),
    });
    const { checked, denied } = await checkIamCalls(Template.fromStack(stack).toJSON());
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(1);
  }, CHECK_TIMEOUT_MS);

  test('with buckets created in another stack of the app', async () => {
    const app = new App();
    const storage = new Stack(app, 'Storage', { env: TEST_ENV });
    const reportsBucket = new s3.Bucket(storage, 'Reports');
    const uploadBucket = new s3.Bucket(storage, 'Uploads');
    const stack = new Stack(app, 'Desktop', { env: TEST_ENV });
    const network = new PipelineNetwork(stack, 'Network');
    new QualityControlDesktop(stack, 'Desktop', { imageName: 'qc-image', network, reportsBucket, uploadBucket });
    const { checked, denied } = await checkIamCalls([Template.fromStack(stack).toJSON(), Template.fromStack(storage).toJSON()]);
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(1);
  }, CHECK_TIMEOUT_MS);
});
