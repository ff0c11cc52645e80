import { Lazy } from 'aws-cdk-lib';
import { ImageRegistry, RegistryKind } from '../src';

describe('ImageRegistry.kindOf', () => {
  test.each([
    ['busybox', RegistryKind.DOCKER_HUB],
    ['library/busybox:1.36', RegistryKind.DOCKER_HUB],
    ['docker.io/library/python:3.13', RegistryKind.DOCKER_HUB],
    ['public.ecr.aws/docker/library/busybox:latest', RegistryKind.ECR_PUBLIC],
    ['123456789012.dkr.ecr.eu-west-2.amazonaws.com/jobs/report:1', RegistryKind.ECR_PRIVATE],
    ['123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/report', RegistryKind.ECR_PRIVATE],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/report', RegistryKind.ECR_PRIVATE],
    ['ghcr.io/org/job:2', RegistryKind.OTHER_INTERNET],
    ['localhost:5000/job', RegistryKind.OTHER_INTERNET],
  ])('classifies %s as %s', (imageName, expected) => {
    expect(ImageRegistry.kindOf(imageName)).toBe(expected);
  });

  test('an unresolved image name is UNKNOWN', () => {
    const token = Lazy.string({ produce: () => 'busybox' });
    expect(ImageRegistry.kindOf(token)).toBe(RegistryKind.UNKNOWN);
  });
});

describe('ImageRegistry.regionOf', () => {
  test.each([
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1', 'us-east-1'],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/report', 'us-gov-west-1'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/report', 'cn-north-1'],
    ['public.ecr.aws/docker/library/busybox:latest', undefined],
    ['busybox', undefined],
  ])('the region of %s is %s', (imageName, expected) => {
    expect(ImageRegistry.regionOf(imageName)).toBe(expected);
  });

  test('an unresolved image name has no known region', () => {
    expect(ImageRegistry.regionOf(Lazy.string({ produce: () => '123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1' }))).toBeUndefined();
  });
});
