import { IPipelineNetwork, NfsAccess } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { RemovalPolicy, Size, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { invalid } from './private/validation';

const NAME = 'PipelineFileSystem';
const MAX_POSIX_ID = 4294967295;
const ROOT_DIRECTORY = /^(\/(?!\.)[A-Za-z0-9_.-]+){1,4}$/;
const MAX_ROOT_DIRECTORY_LENGTH = 100;

/** The pipeline's file system, as the other pipeline constructs need it. */
export interface IPipelineFileSystem extends ec2.IConnectable {
  /** The EFS file system. */
  readonly fileSystem: efs.IFileSystem;
  /** The access point every pipeline component mounts through. */
  readonly accessPoint: efs.IAccessPoint;
  /** The security group of the mount targets. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The directory of the file system that the access point exposes as `/`. */
  readonly rootDirectory: string;
  /** The POSIX user id every access through the access point runs as. */
  readonly posixUid: number;
  /** The POSIX group id every access through the access point runs as. */
  readonly posixGid: number;

  /** Lets a principal mount the file system read-only, through the access point only. */
  grantRead(grantee: iam.IGrantable): iam.Grant;

  /** Lets a principal mount the file system and write, through the access point only. */
  grantReadWrite(grantee: iam.IGrantable): iam.Grant;

  /**
   * Lets a security group reach the mount targets over NFS (TCP 2049).
   *
   * When `peer` is in another stack than the file system, both rules (its egress
   * rule, and the mount targets' ingress rule from it) are created in the stack of
   * `peer`, which then depends on the file system's stack, never the other way round;
   * a peer in the stack of the file system's VPC gets both in the file system's stack.
   */
  allowAccessFrom(peer: ec2.ISecurityGroup): void;
}

export interface PipelineFileSystemProps {
  /**
   * The pipeline network: mount targets go in its private subnets (one per
   * AZ) with its file-system security group. Give either this or `vpc`.
   *
   * @default - `vpc` must be given
   */
  readonly network?: IPipelineNetwork;

  /**
   * An existing VPC, instead of `network`.
   *
   * @default - the VPC of `network`
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` for the mount targets (one per AZ is used). Public
   * subnets are rejected.
   *
   * @default - the private subnets of `vpc` (with egress, else isolated)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * An existing security group of `vpc` for the mount targets.
   *
   * @default - a new security group without egress that allows NFS only from `allowedSecurityGroups`
   */
  readonly securityGroup?: ec2.ISecurityGroup;

  /**
   * Security groups allowed to reach the mount targets over NFS (TCP 2049);
   * more can be added with `allowAccessFrom`.
   *
   * @default - none beyond those the network already allows (its job security group)
   */
  readonly allowedSecurityGroups?: ec2.ISecurityGroup[];

  /**
   * KMS key that encrypts the file system at rest.
   *
   * @default - encrypted with the AWS managed key for EFS (`aws/elasticfilesystem`)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How throughput is provided. ELASTIC scales with the workload and costs
   * nothing when idle; PROVISIONED needs `provisionedThroughputMiBps`.
   *
   * @default efs.ThroughputMode.ELASTIC
   */
  readonly throughputMode?: efs.ThroughputMode;

  /**
   * Provisioned throughput in MiB/s; only with `throughputMode` PROVISIONED,
   * where it is required (the original system used 1).
   *
   * @default - none (not provisioned)
   */
  readonly provisionedThroughputMiBps?: number;

  /**
   * When files not accessed for a while move to EFS Infrequent Access; a file
   * moves back to primary storage on its first access.
   *
   * @default efs.LifecyclePolicy.AFTER_7_DAYS
   */
  readonly transitionToInfrequentAccess?: efs.LifecyclePolicy;

  /**
   * Automatic daily backups in the AWS Backup default plan (35 days retention).
   *
   * @default true
   */
  readonly automaticBackups?: boolean;

  /**
   * The directory the access point exposes as `/`, created on first use: an
   * absolute path of 1 to 4 directories of letters, digits, `.`, `_` and `-`,
   * at most 100 characters.
   *
   * @default '/pipeline'
   */
  readonly rootDirectory?: string;

  /**
   * POSIX user id that every access through the access point runs as, and
   * owner of the root directory.
   *
   * @default 1000
   */
  readonly posixUid?: number;

  /**
   * POSIX group id that every access through the access point runs as, and
   * group of the root directory.
   *
   * @default 1000
   */
  readonly posixGid?: number;

  /**
   * Octal permissions of the root directory when the access point creates it.
   * The default 750 gives the pipeline user full access, its group read
   * access, and nobody else any access.
   *
   * @default '750'
   */
  readonly rootDirectoryPermissions?: string;

  /**
   * What happens to the file system when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The EFS file system the pipeline stages files on: DataSync copies an upload
 * in, the Batch job reads it and writes its report, DataSync copies the report
 * out.
 *
 * Encrypted at rest, elastic throughput, lifecycle to Infrequent Access and
 * back on first access, automatic backups, mount targets only in private
 * subnets behind a security group that allows NFS only from given security
 * groups, a file-system policy that denies every request without TLS and
 * grants nothing to anonymous clients, and one access point with a fixed
 * POSIX user. Principals get access only through `grantRead` and
 * `grantReadWrite`, which allow mounting through the access point only.
 *
 * @example
 * const files = new PipelineFileSystem(this, 'Files', { network });
 * files.grantReadWrite(jobRole);
 */
export class PipelineFileSystem extends Construct implements IPipelineFileSystem {
  public readonly fileSystem: efs.IFileSystem;
  public readonly accessPoint: efs.IAccessPoint;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  public readonly rootDirectory: string;
  public readonly posixUid: number;
  public readonly posixGid: number;
  private readonly network?: IPipelineNetwork;
  private readonly vpc: ec2.IVpc;
  private readonly efsFileSystem: efs.FileSystem;

  constructor(scope: Construct, id: string, props: PipelineFileSystemProps = {}) {
    super(scope, id);
    const errors = ConstructErrors.of(this, NAME);
    const placement = this.placement(errors, props);
    this.network = props.network;
    this.vpc = placement.vpc;
    const throughput = throughputOf(errors, props);
    this.rootDirectory = props.rootDirectory ?? '/pipeline';
    validateRootDirectory(errors, this.rootDirectory);
    this.posixUid = props.posixUid ?? 1000;
    this.posixGid = props.posixGid ?? 1000;
    validatePosixId(errors, 'posixUid', this.posixUid);
    validatePosixId(errors, 'posixGid', this.posixGid);
    const permissions = props.rootDirectoryPermissions ?? '750';
    if (!Token.isUnresolved(permissions) && !/^[0-7]{3,4}$/.test(permissions)) {
      throw invalid(errors, 'rootDirectoryPermissions', permissions, "3 or 4 octal digits, such as '750' or '0755'");
    }

    this.securityGroup = placement.securityGroup ?? new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: placement.vpc,
      description: 'EFS mount targets of the batch pipeline: NFS from allowed security groups only',
      allowAllOutbound: false,
    });

    const fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: placement.vpc,
      vpcSubnets: placement.subnets,
      securityGroup: this.securityGroup,
      encrypted: true,
      kmsKey: props.encryptionKey,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: throughput.mode,
      provisionedThroughputPerSecond: throughput.provisioned,
      lifecyclePolicy: props.transitionToInfrequentAccess ?? efs.LifecyclePolicy.AFTER_7_DAYS,
      outOfInfrequentAccessPolicy: efs.OutOfInfrequentAccessPolicy.AFTER_1_ACCESS,
      enableAutomaticBackups: props.automaticBackups ?? true,
      fileSystemPolicy: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({
          sid: 'DenyWithoutTls',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['*'],
          conditions: { Bool: { 'aws:SecureTransport': 'false' } },
        })],
      }),
      // This policy grants nothing to anonymous (non-IAM) NFS clients, so they
      // cannot mount. `true` only stops CDK from adding its own statement, which
      // would allow ClientWrite and ClientRootAccess to every principal and so
      // turn a read-only grant into root write access.
      allowAnonymousAccess: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.fileSystem = fileSystem;
    this.efsFileSystem = fileSystem;
    this.connections = fileSystem.connections;

    this.accessPoint = fileSystem.addAccessPoint('AccessPoint', {
      path: this.rootDirectory,
      createAcl: { ownerUid: String(this.posixUid), ownerGid: String(this.posixGid), permissions },
      posixUser: { uid: String(this.posixUid), gid: String(this.posixGid) },
    });

    for (const peer of props.allowedSecurityGroups ?? []) {
      this.allowAccessFrom(peer);
    }

    if (props.automaticBackups ?? true) {
      Validations.of(fileSystem).acknowledge({
        id: 'NIST.800.53.R5-EFSInBackupPlan',
        reason: 'Automatic backups are on: AWS Backup protects the file system in its default backup plan (daily, 35 days retention), '
          + 'which lives outside this template. The file system holds only files staged for running jobs; uploads and reports stay in S3.',
      });
    }
  }

  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grantClient(grantee, ['elasticfilesystem:ClientMount']);
  }

  public grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.grantClient(grantee, ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite']);
  }

  public allowAccessFrom(peer: ec2.ISecurityGroup): void {
    if (this.network) {
      this.network.allowFileSystemAccessFrom(peer);
      return;
    }
    NfsAccess.allow({
      fileSystemGroup: this.securityGroup,
      peer,
      vpc: this.vpc,
      ingressDescription: 'NFS from a pipeline component',
      egressDescription: 'NFS to the pipeline file system',
    });
  }

  private grantClient(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipalOrResource({
      grantee,
      actions,
      resourceArns: [this.efsFileSystem.fileSystemArn],
      resource: this.efsFileSystem,
      conditions: {
        Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
        StringEquals: { 'elasticfilesystem:AccessPointArn': this.accessPoint.accessPointArn },
      },
    });
  }

  private placement(
    errors: ConstructErrors, props: PipelineFileSystemProps,
  ): { vpc: ec2.IVpc; subnets: ec2.SubnetSelection; securityGroup?: ec2.ISecurityGroup } {
    if (props.network) {
      const conflicting = (['vpc', 'vpcSubnets', 'securityGroup'] as const).filter((name) => props[name] !== undefined);
      if (conflicting.length > 0) {
        throw errors.error(`${errors.prop('network')} and ${conflicting.map((name) => errors.prop(name)).join(', ')} were both given; allowed: `
          + "either 'network', or 'vpc' with optional 'vpcSubnets' and 'securityGroup'");
      }
      return {
        vpc: props.network.vpc,
        subnets: { ...props.network.privateSubnets, onePerAz: true },
        securityGroup: props.network.fileSystemSecurityGroup,
      };
    }
    if (!props.vpc) {
      const given = (['vpcSubnets', 'securityGroup'] as const).filter((name) => props[name] !== undefined);
      const without = given.length > 0 ? ` (${given.map((name) => `'${name}'`).join(', ')} given without 'vpc')` : '';
      throw errors.error(`neither 'network' nor 'vpc' was given${without}; allowed: either 'network', or 'vpc' with optional 'vpcSubnets' and `
        + "'securityGroup'");
    }
    const subnets: ec2.SubnetSelection = { ...props.vpcSubnets, onePerAz: true };
    const publicSubnetIds = new Set(props.vpc.publicSubnets.map((subnet) => subnet.subnetId));
    if (props.vpc.selectSubnets(subnets).subnets.some((subnet) => publicSubnetIds.has(subnet.subnetId))) {
      throw errors.error(`${errors.prop('vpcSubnets')} selects public subnets, which is not valid; allowed: private or isolated subnets only, `
        + 'such as { subnetType: SubnetType.PRIVATE_ISOLATED }');
    }
    return { vpc: props.vpc, subnets, securityGroup: props.securityGroup };
  }
}

function throughputOf(errors: ConstructErrors, props: PipelineFileSystemProps): { mode: efs.ThroughputMode; provisioned?: Size } {
  const mode = props.throughputMode ?? efs.ThroughputMode.ELASTIC;
  const mibps = props.provisionedThroughputMiBps;
  const allowed = 'a positive number of MiB/s, such as 1';
  if (mode !== efs.ThroughputMode.PROVISIONED) {
    if (mibps !== undefined) {
      throw errors.error(`${errors.prop('provisionedThroughputMiBps')} ${mibps} is not valid with 'throughputMode' ${modeName(mode)}; allowed: `
        + "only with 'throughputMode' PROVISIONED");
    }
    return { mode };
  }
  if (mibps === undefined) {
    throw errors.error(`${errors.prop('provisionedThroughputMiBps')} is required with 'throughputMode' PROVISIONED; allowed: ${allowed}`);
  }
  if (!Token.isUnresolved(mibps) && !(Number.isFinite(mibps) && mibps > 0)) {
    throw invalid(errors, 'provisionedThroughputMiBps', mibps, allowed);
  }
  return { mode, provisioned: Size.mebibytes(mibps) };
}

function modeName(mode: efs.ThroughputMode): string {
  return Object.entries(efs.ThroughputMode).find(([, value]) => value === mode)?.[0] ?? String(mode);
}

function validateRootDirectory(errors: ConstructErrors, path: string): void {
  if (Token.isUnresolved(path)) {
    return;
  }
  if (path.length > MAX_ROOT_DIRECTORY_LENGTH || !ROOT_DIRECTORY.test(path)) {
    throw invalid(errors, 'rootDirectory', path, "an absolute path of 1 to 4 directories of letters, digits, '.', "
      + "'_' and '-' (none starting with '.'), at most 100 characters, such as /pipeline");
  }
}

function validatePosixId(errors: ConstructErrors, prop: string, value: number): void {
  if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0 || value > MAX_POSIX_ID)) {
    throw invalid(errors, prop, value, `a whole number from 0 to ${MAX_POSIX_ID}`);
  }
}
