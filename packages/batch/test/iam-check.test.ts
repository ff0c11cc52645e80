import * as path from 'path';
import { EgressMode } from '@batch-pipeline/network';
import { checkIamCalls } from '@batch-pipeline/test-support';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { BatchProcessor, JobArchitecture, JobImage } from '../src';
import { fixture, synth } from './helpers';

const JOB_DIR = path.join(__dirname, 'fixtures', 'job');

/** Synthesizing the stack and evaluating every call takes seconds, more on a loaded machine. */
const CHECK_TIMEOUT_MS = 60_000;

describe('the calls of the Batch job are allowed by its policies (IAM check)', () => {
  test('with a public registry image: the job role mounts the file system through the access point', async () => {
    const { stack } = synth({}, EgressMode.PUBLIC_SUBNETS);
    const { checked, denied } = await checkIamCalls(Template.fromStack(stack).toJSON());
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(5);
  }, CHECK_TIMEOUT_MS);

  test('with an image asset on ARM64', async () => {
    const { stack } = synth({ image: JobImage.fromAsset(JOB_DIR), architecture: JobArchitecture.ARM64 }, EgressMode.VPC_ENDPOINTS);
    const { checked, denied } = await checkIamCalls(Template.fromStack(stack).toJSON());
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(9);
  }, CHECK_TIMEOUT_MS);

  test('with an ECR repository image, a secret and an encrypted log group: the execution role pulls, reads and logs', async () => {
    const f = fixture(EgressMode.VPC_ENDPOINTS);
    const repository = new ecr.Repository(f.stack, 'Repo', { imageScanOnPush: true });
    const key = new kms.Key(f.stack, 'Key', { enableKeyRotation: true });
    const parameter = new ssm.StringParameter(f.stack, 'Setting', { stringValue: 'x' });
    new BatchProcessor(f.stack, 'Job', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      image: JobImage.fromEcrRepository(repository, 'v1'),
      spot: true,
      secrets: { SETTING: batch.Secret.fromSsmParameter(parameter) },
      logEncryptionKey: key,
    });
    const { checked, denied } = await checkIamCalls(Template.fromStack(f.stack).toJSON());
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(10);
  }, CHECK_TIMEOUT_MS);
});
