import { Token } from 'aws-cdk-lib';

/** Where a container image is pulled from. */
export enum RegistryKind {
  /** A private Amazon ECR repository (`<account>.dkr.ecr.<region>.amazonaws.com/...`), including CDK image assets. */
  ECR_PRIVATE = 'ECR_PRIVATE',
  /** Amazon ECR Public Gallery (`public.ecr.aws/...`). */
  ECR_PUBLIC = 'ECR_PUBLIC',
  /** Docker Hub (`busybox`, `library/busybox`, `docker.io/...`). */
  DOCKER_HUB = 'DOCKER_HUB',
  /** Any other registry on the internet (`ghcr.io/...`, `quay.io/...`). */
  OTHER_INTERNET = 'OTHER_INTERNET',
  /** Not known at synth time (the image name is an unresolved token). */
  UNKNOWN = 'UNKNOWN',
}

const PRIVATE_ECR_HOST = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** Classifies container image names by the registry they come from. */
export class ImageRegistry {
  /**
   * The registry an image name points at, following Docker's rule that the
   * first path component is a registry host only when it contains `.` or `:`
   * or is `localhost`.
   *
   * @param imageName for example `public.ecr.aws/docker/library/busybox:latest`
   */
  public static kindOf(imageName: string): RegistryKind {
    if (Token.isUnresolved(imageName)) {
      return RegistryKind.UNKNOWN;
    }
    const firstSlash = imageName.indexOf('/');
    const firstComponent = firstSlash === -1 ? '' : imageName.slice(0, firstSlash);
    const isHost = firstComponent.includes('.') || firstComponent.includes(':') || firstComponent === 'localhost';
    if (!isHost) {
      return RegistryKind.DOCKER_HUB;
    }
    const host = firstComponent.toLowerCase();
    if (host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io') {
      return RegistryKind.DOCKER_HUB;
    }
    if (host === 'public.ecr.aws') {
      return RegistryKind.ECR_PUBLIC;
    }
    if (PRIVATE_ECR_HOST.test(host)) {
      return RegistryKind.ECR_PRIVATE;
    }
    return RegistryKind.OTHER_INTERNET;
  }

  /**
   * The AWS region of a private ECR image (`us-east-1` for
   * `123456789012.dkr.ecr.us-east-1.amazonaws.com/report:1`), or undefined
   * when the image is not in private ECR or its name is an unresolved token.
   *
   * @param imageName for example `123456789012.dkr.ecr.eu-west-2.amazonaws.com/jobs/report:1`
   */
  public static regionOf(imageName: string): string | undefined {
    if (ImageRegistry.kindOf(imageName) !== RegistryKind.ECR_PRIVATE) {
      return undefined;
    }
    const host = imageName.slice(0, imageName.indexOf('/')).toLowerCase();
    return PRIVATE_ECR_HOST.exec(host)?.[1];
  }

  private constructor() {}
}
