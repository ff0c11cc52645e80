import { ImageRegistry, RegistryKind } from '@batch-pipeline/network';
import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';

/** Where a job image comes from. */
export enum JobImageSource {
  /** An image name in any registry (`JobImage.fromRegistry`). */
  REGISTRY = 'REGISTRY',
  /** A private ECR repository and tag (`JobImage.fromEcrRepository`). */
  ECR_REPOSITORY = 'ECR_REPOSITORY',
  /** A local directory with a Dockerfile, built and pushed by the CDK CLI (`JobImage.fromAsset`). */
  ASSET = 'ASSET',
}

/** The CPU architecture a job image is built for and the job runs on. */
export enum JobArchitecture {
  /** x86-64 (Intel and AMD). */
  X86_64 = 'X86_64',
  /** 64-bit ARM (AWS Graviton). Fargate Spot is not available for ARM64. */
  ARM64 = 'ARM64',
}

/** Options for `JobImage.fromAsset`. */
export interface JobImageAssetOptions {
  /**
   * Path of the Dockerfile, relative to the directory.
   *
   * @default 'Dockerfile'
   */
  readonly file?: string;

  /**
   * Build arguments.
   *
   * @default - none
   */
  readonly buildArgs?: { [name: string]: string };

  /**
   * Target stage of a multi-stage Dockerfile.
   *
   * @default - the last stage
   */
  readonly target?: string;

  /**
   * Paths to leave out of the build context, in `.dockerignore` syntax.
   *
   * @default - what the directory's `.dockerignore` says
   */
  readonly exclude?: string[];
}

/** What binding a `JobImage` to a job gives. */
export interface JobImageConfig {
  /** The image for the container definition. */
  readonly containerImage: ecs.ContainerImage;
  /** How the image is recorded in the local-run metadata of the job definition. */
  readonly metadata: { [key: string]: string };
}

/** What a `JobImage` needs to know about the job it is bound to. */
export interface JobImageBindOptions {
  /** The CPU architecture the job runs on; an asset is built for it. */
  readonly architecture: JobArchitecture;
}

/**
 * The container image of a pipeline job, from a registry, a private ECR
 * repository or a local Dockerfile. It knows which kind of registry jobs
 * pull it from, so `BatchProcessor` can refuse at synth time an image the
 * network cannot reach.
 *
 * @example
 * JobImage.fromRegistry('public.ecr.aws/docker/library/busybox:latest');
 * JobImage.fromAsset(path.join(__dirname, 'job'));
 */
export abstract class JobImage {
  /**
   * An image by name, for example `public.ecr.aws/docker/library/python:3.13`
   * or `123456789012.dkr.ecr.eu-west-2.amazonaws.com/report:1`. The registry
   * kind follows from the name (`ImageRegistry.kindOf`).
   *
   * @param imageName the image reference, with tag or digest
   */
  public static fromRegistry(imageName: string): JobImage {
    return new RegistryImage(imageName);
  }

  /**
   * An image in a private ECR repository. The execution role may pull from this repository only.
   *
   * @param repository the repository
   * @param tag the tag (or `sha256:` digest) to run
   */
  public static fromEcrRepository(repository: ecr.IRepository, tag: string = 'latest'): JobImage {
    return new EcrRepositoryImage(repository, tag);
  }

  /**
   * An image built from a local directory with a Dockerfile. The CDK CLI builds
   * it for the job's architecture and pushes it to the bootstrap ECR
   * repository when the stack is deployed; synthesizing only copies the directory.
   *
   * @param directory absolute path of the build context
   * @param options Dockerfile, build arguments, target and exclusions
   */
  public static fromAsset(directory: string, options: JobImageAssetOptions = {}): JobImage {
    return new AssetImage(directory, options);
  }

  /** Where the image comes from. */
  public abstract readonly source: JobImageSource;

  /** The kind of registry jobs pull the image from. */
  public abstract readonly registryKind: RegistryKind;

  /**
   * The AWS region of the private ECR registry the image is pulled from, when
   * it is known and may differ from the stack's region: an image named
   * `<account>.dkr.ecr.<region>.amazonaws.com/...` or an imported repository
   * with a region in its ARN.
   *
   * @default - the stack's region (an image asset, a repository of this stack), or not private ECR
   */
  public readonly registryRegion?: string;

  /** How the image reads in messages: its name, repository and tag, or build directory. */
  public abstract readonly description: string;

  /**
   * Makes the image usable by one job: creates what it needs (an image asset)
   * under `scope`. Called once by `BatchProcessor`.
   */
  public abstract bind(scope: Construct, options: JobImageBindOptions): JobImageConfig;
}

class RegistryImage extends JobImage {
  public readonly source = JobImageSource.REGISTRY;
  public readonly registryKind: RegistryKind;
  public readonly registryRegion?: string;
  public readonly description: string;

  constructor(private readonly imageName: string) {
    super();
    this.registryKind = ImageRegistry.kindOf(imageName);
    this.registryRegion = ImageRegistry.regionOf(imageName);
    this.description = imageName;
  }

  public bind(scope: Construct, _options: JobImageBindOptions): JobImageConfig {
    return {
      containerImage: this.registryKind === RegistryKind.ECR_PRIVATE
        ? privateEcrImage(scope, this.imageName)
        : ecs.ContainerImage.fromRegistry(this.imageName),
      metadata: { source: this.source, registryKind: this.registryKind, name: this.imageName },
    };
  }
}

const PRIVATE_ECR_IMAGE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+))?(?:@(sha256:[a-f0-9]+))?$/;

/**
 * A private ECR image given by name, as an image of an imported repository, so
 * that the execution role is granted to pull from that repository (and only it).
 */
function privateEcrImage(scope: Construct, imageName: string): ecs.ContainerImage {
  const match = PRIVATE_ECR_IMAGE.exec(imageName);
  if (!match) {
    return ecs.ContainerImage.fromRegistry(imageName);
  }
  const [, account, region, repositoryName, tag, digest] = match;
  const repository = ecr.Repository.fromRepositoryAttributes(scope, 'ImageRepository', {
    repositoryName,
    repositoryArn: `arn:${Stack.of(scope).partition}:ecr:${region}:${account}:repository/${repositoryName}`,
  });
  return ecs.ContainerImage.fromEcrRepository(repository, digest ?? tag ?? 'latest');
}

class EcrRepositoryImage extends JobImage {
  public readonly source = JobImageSource.ECR_REPOSITORY;
  public readonly registryKind = RegistryKind.ECR_PRIVATE;
  public readonly registryRegion?: string;
  public readonly description: string;

  constructor(private readonly repository: ecr.IRepository, private readonly tag: string) {
    super();
    this.description = `ECR repository ${repository.node.path}:${tag}`;
    // An imported repository carries the region of its ARN; one of this stack carries the stack's.
    this.registryRegion = repository.env.region;
  }

  public bind(_scope: Construct, _options: JobImageBindOptions): JobImageConfig {
    return {
      containerImage: ecs.ContainerImage.fromEcrRepository(this.repository, this.tag),
      metadata: {
        source: this.source,
        registryKind: this.registryKind,
        name: this.repository.repositoryUriForTagOrDigest(this.tag),
      },
    };
  }
}

class AssetImage extends JobImage {
  public readonly source = JobImageSource.ASSET;
  public readonly registryKind = RegistryKind.ECR_PRIVATE;
  public readonly description: string;

  constructor(private readonly directory: string, private readonly options: JobImageAssetOptions) {
    super();
    this.description = `image asset built from ${directory}`;
  }

  public bind(scope: Construct, options: JobImageBindOptions): JobImageConfig {
    const asset = new ecrAssets.DockerImageAsset(scope, 'ImageAsset', {
      directory: this.directory,
      file: this.options.file,
      buildArgs: this.options.buildArgs,
      target: this.options.target,
      exclude: this.options.exclude,
      platform: options.architecture === JobArchitecture.ARM64 ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
    });
    return {
      containerImage: ecs.ContainerImage.fromDockerImageAsset(asset),
      metadata: {
        source: this.source,
        registryKind: this.registryKind,
        name: asset.imageUri,
        // The CDK CLI stages the build context as `asset.<hash>` in the cloud assembly.
        assetHash: asset.assetHash,
        dockerfile: this.options.file ?? 'Dockerfile',
      },
    };
  }
}
