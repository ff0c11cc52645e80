import { IPipelineNetwork } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Stack } from 'aws-cdk-lib';
import * as datasync from 'aws-cdk-lib/aws-datasync';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ITransferLocation, LocationAccess, LocationKind } from './location';
import { SUBDIRECTORY_ALLOWED, normalizeSubdirectory } from './private/paths';
import { createDataSyncRole } from './private/service-role';

/** The NFS port of EFS mount targets. */
const NFS_PORT = 2049;

/** Where DataSync's network interfaces for an EFS location go, and how they reach the file system. */
export interface EfsConnectionOptions {
  /**
   * The pipeline network: DataSync's network interfaces go into the first of its
   * private subnets, and a new security group is allowed to reach the file system
   * with `allowFileSystemAccessFrom`.
   *
   * @default - use `vpc`, or `subnet` and `securityGroup`
   */
  readonly network?: IPipelineNetwork;

  /**
   * The VPC of the file system, when there is no `network`: DataSync's network
   * interfaces go into its first private subnet (with egress, else isolated), and a
   * new security group is allowed to reach the file system through the file system's
   * own security groups.
   *
   * @default - the network's VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnet for DataSync's network interfaces. It must be in the file system's VPC,
   * in an AZ with a mount target.
   *
   * @default - the first private subnet of `network` or `vpc`
   */
  readonly subnet?: ec2.ISubnet;

  /**
   * An existing security group for DataSync's network interfaces, used as is: it must
   * allow NFS (TCP 2049) to the mount targets, and they must allow it in.
   *
   * @default - a new security group with only NFS out to the file system
   */
  readonly securityGroup?: ec2.ISecurityGroup;
}

/** An EFS location. */
export interface IEfsLocation extends ITransferLocation {
  /** The file system. */
  readonly fileSystem: efs.IFileSystem;
  /** The access point DataSync mounts the file system through. */
  readonly accessPoint: efs.IAccessPoint;
  /** The normalized subdirectory, relative to the access point's root (`/dir/`, or `/`). */
  readonly subdirectory: string;
  /** The role DataSync assumes to mount the file system (EFS IAM authorization). */
  readonly fileSystemAccessRole: iam.IRole;
  /** The security group of DataSync's network interfaces. */
  readonly securityGroup: ec2.ISecurityGroup;
}

export interface EfsLocationProps extends EfsConnectionOptions {
  /** The file system. */
  readonly fileSystem: efs.IFileSystem;

  /**
   * The access point DataSync mounts the file system through; the role may mount
   * the file system only through it.
   */
  readonly accessPoint: efs.IAccessPoint;

  /**
   * The directory DataSync reads from or writes to, relative to the access point's root.
   *
   * @default '/'
   */
  readonly subdirectory?: string;

  /**
   * What DataSync may do on the file system: `READ_ONLY` allows
   * `elasticfilesystem:ClientMount`, `READ_WRITE` adds `elasticfilesystem:ClientWrite`.
   *
   * @default LocationAccess.READ_ONLY
   */
  readonly access?: LocationAccess;

  /**
   * Also allow `elasticfilesystem:ClientRootAccess`. Not needed when the access
   * point sets a POSIX user, which is the case in the pipeline.
   *
   * @default false
   */
  readonly rootAccess?: boolean;
}

/**
 * A DataSync location for an EFS file system, mounted through an access point
 * with IAM authorization and TLS 1.2 in transit. The file-system access role
 * may mount (and, for `READ_WRITE`, write) only that file system, only through
 * that access point.
 *
 * @example
 * declare const network: IPipelineNetwork;
 * declare const fileSystem: efs.IFileSystem;
 * declare const accessPoint: efs.IAccessPoint;
 * new EfsLocation(this, 'Work', { network, fileSystem, accessPoint, access: LocationAccess.READ_WRITE });
 */
export class EfsLocation extends Construct implements IEfsLocation {
  public readonly locationArn: string;
  public readonly kind = LocationKind.EFS;
  public readonly access: LocationAccess;
  public readonly fileSystem: efs.IFileSystem;
  public readonly accessPoint: efs.IAccessPoint;
  public readonly subdirectory: string;
  public readonly fileSystemAccessRole: iam.IRole;
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The file-system access role: starting a task with this location passes it to DataSync. */
  public readonly roleToPassOnStart?: iam.IRole;

  constructor(scope: Construct, id: string, props: EfsLocationProps) {
    super(scope, id);
    const errors = ConstructErrors.of(this, 'EfsLocation');
    this.fileSystem = props.fileSystem;
    this.accessPoint = props.accessPoint;
    this.access = props.access ?? LocationAccess.READ_ONLY;
    this.subdirectory = normalizeSubdirectory(props.subdirectory, () => errors.error(
      `${errors.prop('subdirectory')} '${props.subdirectory}' is not valid; allowed: ${SUBDIRECTORY_ALLOWED}`,
    ));
    if (props.network && props.vpc) {
      throw errors.error(`${errors.prop('vpc')} and 'network' were both given; give one of them (the network brings its VPC)`);
    }
    const vpc = props.vpc ?? props.network?.vpc;
    if (!vpc && !(props.subnet && props.securityGroup)) {
      throw errors.error('no place for DataSync\'s network interfaces; give \'network\', \'vpc\', or both \'subnet\' and \'securityGroup\'');
    }

    const subnet = props.subnet ?? this.defaultSubnet(errors, vpc!, props.network);
    this.securityGroup = props.securityGroup ?? this.createSecurityGroup(vpc!, props.network);

    const actions = ['elasticfilesystem:ClientMount'];
    if (this.access === LocationAccess.READ_WRITE) {
      actions.push('elasticfilesystem:ClientWrite');
    }
    if (props.rootAccess) {
      actions.push('elasticfilesystem:ClientRootAccess');
    }
    const { role, policy } = createDataSyncRole(this, 'FileSystemAccessRole',
      `DataSync ${this.access === LocationAccess.READ_WRITE ? 'read-write' : 'read-only'} access to one EFS file system through one access point`, [
        new iam.PolicyStatement({
          actions,
          resources: [this.fileSystem.fileSystemArn],
          conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': this.accessPoint.accessPointArn } },
        }),
      ]);
    this.fileSystemAccessRole = role;
    this.roleToPassOnStart = role;

    const stack = Stack.of(this);
    const location = new datasync.CfnLocationEFS(this, 'Resource', {
      efsFilesystemArn: this.fileSystem.fileSystemArn,
      accessPointArn: this.accessPoint.accessPointArn,
      fileSystemAccessRoleArn: role.roleArn,
      inTransitEncryption: 'TLS1_2',
      subdirectory: this.subdirectory,
      ec2Config: {
        subnetArn: stack.formatArn({ service: 'ec2', resource: 'subnet', resourceName: subnet.subnetId }),
        securityGroupArns: [stack.formatArn({ service: 'ec2', resource: 'security-group', resourceName: this.securityGroup.securityGroupId })],
      },
    });
    // DataSync reaches a mount target in the subnet's AZ, through the security
    // group and with the role, when the location is created.
    location.node.addDependency(policy, this.fileSystem.mountTargetsAvailable, this.securityGroup);
    this.locationArn = location.attrLocationArn;
  }

  private defaultSubnet(errors: ConstructErrors, vpc: ec2.IVpc, network?: IPipelineNetwork): ec2.ISubnet {
    const candidates = network
      ? vpc.selectSubnets(network.privateSubnets).subnets
      : [...vpc.privateSubnets, ...vpc.isolatedSubnets];
    if (candidates.length === 0) {
      throw errors.error('the VPC has no private subnet for DataSync\'s network interfaces; give \'subnet\'');
    }
    return candidates[0];
  }

  private createSecurityGroup(vpc: ec2.IVpc, network?: IPipelineNetwork): ec2.ISecurityGroup {
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'DataSync network interfaces of the batch pipeline: NFS out to the file system only, no ingress',
      allowAllOutbound: false,
    });
    if (network) {
      network.allowFileSystemAccessFrom(securityGroup);
    } else {
      // From this side: both rules land in this construct's stack (allowFrom on the
      // file system's connections would put them into the file system's stack).
      securityGroup.connections.allowTo(this.fileSystem, ec2.Port.tcp(NFS_PORT), 'NFS from DataSync');
    }
    return securityGroup;
  }
}
