import * as path from 'path';
import { RegistryKind } from '@batch-pipeline/network';
import { testStack } from '@batch-pipeline/test-support';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { JobImage, JobImageSource } from '../src';

const JOB_DIR = path.join(__dirname, 'fixtures', 'job');

describe('JobImage', () => {
  test.each([
    ['busybox', RegistryKind.DOCKER_HUB],
    ['public.ecr.aws/docker/library/busybox:latest', RegistryKind.ECR_PUBLIC],
    ['123456789012.dkr.ecr.eu-west-2.amazonaws.com/report:1', RegistryKind.ECR_PRIVATE],
    ['ghcr.io/org/job:2', RegistryKind.OTHER_INTERNET],
  ])('fromRegistry(%s) is pulled from %s', (name, kind) => {
    const image = JobImage.fromRegistry(name);
    expect(image.source).toBe(JobImageSource.REGISTRY);
    expect(image.registryKind).toBe(kind);
    expect(image.description).toBe(name);
  });

  test('fromEcrRepository is pulled from private ECR and defaults to the latest tag', () => {
    const stack = testStack();
    const repository = new ecr.Repository(stack, 'Repo');
    const image = JobImage.fromEcrRepository(repository);
    expect(image.source).toBe(JobImageSource.ECR_REPOSITORY);
    expect(image.registryKind).toBe(RegistryKind.ECR_PRIVATE);
    expect(image.description).toBe('ECR repository Test/Repo:latest');
    expect(JobImage.fromEcrRepository(repository, 'v2').description).toBe('ECR repository Test/Repo:v2');
  });

  test('fromAsset is pushed to and pulled from private ECR', () => {
    const image = JobImage.fromAsset(JOB_DIR);
    expect(image.source).toBe(JobImageSource.ASSET);
    expect(image.registryKind).toBe(RegistryKind.ECR_PRIVATE);
    expect(image.description).toBe(`image asset built from ${JOB_DIR}`);
  });
});
