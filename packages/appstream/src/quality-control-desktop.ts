import { EgressMode, IPipelineNetwork, NagAcknowledgements } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Annotations, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as appstream from 'aws-cdk-lib/aws-appstream';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { userSettingsFor } from './private/user-settings';
import {
  APPSTREAM_NAME,
  APPSTREAM_NAME_ALLOWED,
  INSTANCE_TYPE,
  PREFIX_LIST_ID,
  checkMaxLength,
  checkPattern,
  secondsWithin,
} from './private/validate';
import { UserSettings } from './user-settings';

/** HTTPS, the only port the desktop needs to reach Amazon S3. */
const HTTPS_PORT = 443;
const MAX_DISPLAY_NAME = 100;
const MAX_DESCRIPTION = 256;

/**
 * When the fleet's streaming instances run, and so how they are billed.
 *
 * `ELASTIC` fleets are not offered: they stream applications from app blocks
 * (no image, a platform and a maximum number of concurrent sessions instead of a
 * capacity), a different model than the image-based desktop this construct builds.
 *
 * Idle cost per instance (us-east-1, 730 hours, stream.standard.medium, see
 * the AppStream 2.0 pricing page for your region and instance type):
 * - `ON_DEMAND`: the stopped-instance fee, about 0.025 USD per hour, about 18 USD per month.
 * - `ALWAYS_ON`: the running rate, about 0.10 USD per hour, about 73 USD per month.
 * Windows fleets add the Microsoft RDS SAL fee per user and month.
 */
export enum FleetType {
  /**
   * Instances stay stopped until a user connects and start in 1-2 minutes;
   * a small stopped-instance fee is billed per hour while nobody streams.
   */
  ON_DEMAND = 'ON_DEMAND',

  /**
   * Instances run all the time and users connect instantly; the full running
   * rate is billed per hour even when nobody streams.
   */
  ALWAYS_ON = 'ALWAYS_ON',
}

/** What users see when they connect. */
export enum StreamView {
  /** The whole desktop of the streaming instance, as the original system. */
  DESKTOP = 'DESKTOP',
  /** Only the windows of the applications in the image's application catalog. */
  APP = 'APP',
}

/** A quality-control desktop: what other constructs need to know to work with it. */
export interface IQualityControlDesktop extends IConstruct, ec2.IConnectable, iam.IGrantable {
  /** The name of the AppStream 2.0 fleet. */
  readonly fleetName: string;
  /** The name of the AppStream 2.0 stack users stream from. */
  readonly stackName: string;
  /** The IAM role the fleet's streaming instances run with. */
  readonly role: iam.IRole;
  /** The security group of the streaming instances. */
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * The options of the desktop that a composite (such as `BatchPipeline`) passes through as they
 * are: the image, the subnets and the fleet and stack settings, without the network, buckets and
 * access point it wires.
 */
export interface QualityControlDesktopOptions {
  /**
   * Name of the AppStream 2.0 image the fleet streams, with the quality-control
   * tools installed. Create it first with an image builder in the AppStream 2.0
   * console (see the README).
   */
  readonly imageName: string;

  /**
   * Subnets of the streaming instances. They must be private: the fleet has no
   * default internet access.
   *
   * @default - the private subnets of `network`, or the private subnets (with egress if any, isolated otherwise) of `vpc`
   */
  readonly subnets?: ec2.SubnetSelection;

  /**
   * When the streaming instances run. See `FleetType` for the idle cost of each.
   *
   * @default FleetType.ON_DEMAND
   */
  readonly fleetType?: FleetType;

  /**
   * Instance type of the streaming instances, `stream.<family>.<size>`.
   *
   * @default 'stream.standard.medium'
   */
  readonly instanceType?: string;

  /**
   * Number of streaming instances, that is of users who can stream at the same time.
   *
   * @default 1
   */
  readonly desiredCapacity?: number;

  /**
   * How long users may be inactive before they are disconnected (the
   * `disconnectTimeout` then starts). `Duration.seconds(0)` never disconnects
   * idle users; otherwise 60 seconds to 10 hours.
   *
   * @default Duration.minutes(30)
   */
  readonly idleDisconnectTimeout?: Duration;

  /**
   * How long a session stays alive after its user disconnected, so that they
   * can reconnect to it; 60 seconds to 100 hours.
   *
   * @default Duration.seconds(60)
   */
  readonly disconnectTimeout?: Duration;

  /**
   * The longest a streaming session may last; 10 minutes to 5 days.
   *
   * @default Duration.hours(2)
   */
  readonly maxSessionDuration?: Duration;

  /**
   * What users see when they connect.
   *
   * @default StreamView.DESKTOP
   */
  readonly streamView?: StreamView;

  /**
   * Give every user a persistent home folder, stored by AppStream 2.0 in an S3
   * bucket of the account that it creates and manages.
   *
   * @default true
   */
  readonly homeFolders?: boolean;

  /**
   * Clipboard, file transfer, printing and sign-in permissions of the stack;
   * omitted settings keep their defaults (see `UserSettings`).
   *
   * @default - paste and upload in; no copy, download or printing out; domain password sign-in, no smart card
   */
  readonly userSettings?: UserSettings;

  /**
   * Name of the fleet, unique in the account and region.
   *
   * @default - a name generated from the construct path
   */
  readonly fleetName?: string;

  /**
   * Fleet name shown in the AppStream 2.0 console, at most 100 characters.
   *
   * @default 'Batch pipeline quality control'
   */
  readonly fleetDisplayName?: string;

  /**
   * Fleet description, at most 256 characters.
   *
   * @default 'Streaming instances of the batch pipeline quality-control desktop'
   */
  readonly fleetDescription?: string;

  /**
   * Name of the stack, unique in the account and region.
   *
   * @default - a name generated from the construct path
   */
  readonly stackName?: string;

  /**
   * Stack name shown to users on the streaming portal, at most 100 characters.
   *
   * @default 'Batch pipeline quality control'
   */
  readonly stackDisplayName?: string;

  /**
   * Stack description, at most 256 characters.
   *
   * @default 'Quality control of the batch pipeline inputs and reports'
   */
  readonly stackDescription?: string;

  /**
   * Id of the AWS-managed prefix list of Amazon S3 in the stack's region
   * (`com.amazonaws.<region>.s3`), the only destination the desktop may reach.
   * Find it with `aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.<region>.s3`.
   *
   * @default - looked up by name when the app is synthesized (needs a stack with a concrete account and region, and AWS credentials on the first
   * synth; the result is cached in cdk.context.json)
   */
  readonly s3PrefixListId?: string;
}

export interface QualityControlDesktopProps extends QualityControlDesktopOptions {
  /**
   * The pipeline network; the fleet runs in its private subnets and, when
   * `fileSystemAccessPoint` is given, may reach its file system over NFS.
   *
   * @default - `vpc` must be given
   */
  readonly network?: IPipelineNetwork;

  /**
   * A VPC to run the fleet in, when not using a pipeline network.
   *
   * @default - the VPC of `network`
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The bucket with the pipeline's reports; the desktop may list and read it.
   */
  readonly reportsBucket: s3.IBucket;

  /**
   * The bucket users upload inputs to; when given, the desktop may list and read it too.
   *
   * @default - no access to the upload bucket
   */
  readonly uploadBucket?: s3.IBucket;

  /**
   * An access point of the pipeline's file system; when given, the desktop may
   * mount the file system through it, read-only (`elasticfilesystem:ClientMount`
   * without `ClientWrite`), and reach it over NFS.
   *
   * @default - no access to the file system
   */
  readonly fileSystemAccessPoint?: efs.IAccessPoint;
}

/**
 * An optional AppStream 2.0 desktop inside the pipeline VPC for quality control
 * of inputs and reports: a fleet (on-demand by default) that streams your image
 * from private subnets without internet access, a stack with home folders and
 * restrictive user settings, their association, a role that may only read the
 * pipeline's buckets (and, optionally, mount its file system read-only), and a
 * security group that only allows HTTPS to Amazon S3.
 *
 * Nothing of AppStream 2.0 exists until this construct is instantiated.
 *
 * @example
 * new QualityControlDesktop(this, 'Desktop', {
 *   imageName: 'qc-desktop-2026-11',
 *   network,
 *   reportsBucket,
 *   uploadBucket,
 * });
 */
export class QualityControlDesktop extends Construct implements IQualityControlDesktop {
  public readonly fleetName: string;
  public readonly stackName: string;
  public readonly fleetType: FleetType;
  public readonly role: iam.IRole;
  public readonly grantPrincipal: iam.IPrincipal;
  public readonly securityGroup: ec2.ISecurityGroup;
  public readonly connections: ec2.Connections;
  /** The AppStream 2.0 fleet. */
  public readonly fleet: appstream.CfnFleet;
  /** The AppStream 2.0 stack. */
  public readonly stack: appstream.CfnStack;
  /** The association of the fleet with the stack. */
  public readonly association: appstream.CfnStackFleetAssociation;
  /** The customer managed policy with the role's read-only permissions. */
  public readonly policy: iam.ManagedPolicy;

  private readonly errors: ConstructErrors;

  constructor(scope: Construct, id: string, props: QualityControlDesktopProps) {
    super(scope, id);
    this.errors = ConstructErrors.of(this, 'QualityControlDesktop');
    const imageName = this.validateImageName(props.imageName);
    const vpc = this.vpcFor(props);
    const subnetIds = this.subnetIdsFor(props, vpc);

    this.fleetType = props.fleetType ?? FleetType.ON_DEMAND;
    const instanceType = props.instanceType ?? 'stream.standard.medium';
    checkPattern(this.errors, 'instanceType', instanceType, INSTANCE_TYPE, 'stream.<family>.<size>, '
      + 'such as stream.standard.medium or stream.graphics.g4dn.xlarge');
    const desiredCapacity = props.desiredCapacity ?? 1;
    if (!Token.isUnresolved(desiredCapacity) && (!Number.isInteger(desiredCapacity) || desiredCapacity < 1)) {
      throw this.errors.error(`${this.errors.prop('desiredCapacity')} ${desiredCapacity} is not valid; allowed: a whole number of at least 1`);
    }
    const idleDisconnectTimeout = secondsWithin(this.errors, 'idleDisconnectTimeout', props.idleDisconnectTimeout, 1800, {
      min: 60, max: 36000, alsoAllowed: 0, allowed: '0 (never disconnect idle users) or 60-36000 whole seconds',
    });
    const disconnectTimeout = secondsWithin(this.errors, 'disconnectTimeout', props.disconnectTimeout, 60, {
      min: 60, max: 360000, allowed: '60-360000 whole seconds',
    });
    const maxSessionDuration = secondsWithin(this.errors, 'maxSessionDuration', props.maxSessionDuration, 7200, {
      min: 600, max: 432000, allowed: '600-432000 whole seconds (10 minutes to 5 days)',
    });

    this.fleetName = props.fleetName ?? `${Names.uniqueResourceName(this, { maxLength: 95, separator: '-' })}-fleet`;
    this.stackName = props.stackName ?? `${Names.uniqueResourceName(this, { maxLength: 95, separator: '-' })}-stack`;
    checkPattern(this.errors, 'fleetName', this.fleetName, APPSTREAM_NAME, APPSTREAM_NAME_ALLOWED);
    checkPattern(this.errors, 'stackName', this.stackName, APPSTREAM_NAME, APPSTREAM_NAME_ALLOWED);
    const fleetDisplayName = props.fleetDisplayName ?? 'Batch pipeline quality control';
    const stackDisplayName = props.stackDisplayName ?? 'Batch pipeline quality control';
    const fleetDescription = props.fleetDescription ?? 'Streaming instances of the batch pipeline quality-control desktop';
    const stackDescription = props.stackDescription ?? 'Quality control of the batch pipeline inputs and reports';
    checkMaxLength(this.errors, 'fleetDisplayName', fleetDisplayName, MAX_DISPLAY_NAME);
    checkMaxLength(this.errors, 'stackDisplayName', stackDisplayName, MAX_DISPLAY_NAME);
    checkMaxLength(this.errors, 'fleetDescription', fleetDescription, MAX_DESCRIPTION);
    checkMaxLength(this.errors, 'stackDescription', stackDescription, MAX_DESCRIPTION);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'AppStream 2.0 quality-control desktop: HTTPS to Amazon S3 only, no ingress',
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({ securityGroups: [this.securityGroup] });
    this.securityGroup.addEgressRule(this.s3PrefixList(props.s3PrefixListId), ec2.Port.tcp(HTTPS_PORT), 'HTTPS to Amazon S3 (home folders and '
      + 'pipeline buckets)');
    if (props.fileSystemAccessPoint) {
      if (props.network) {
        props.network.allowFileSystemAccessFrom(this.securityGroup);
      } else {
        // Opened from the desktop's side, so that both rules live in the desktop's stack even
        // when the file system is in another one (no dependency cycle between the two).
        this.securityGroup.connections.allowToDefaultPort(props.fileSystemAccessPoint.fileSystem, 'NFS from the quality-control desktop');
      }
    }

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('appstream.amazonaws.com'),
      description: 'AppStream 2.0 quality-control desktop: read-only access to the batch pipeline buckets',
    });
    this.role = role;
    this.grantPrincipal = role;
    this.policy = new iam.ManagedPolicy(this, 'ReadOnlyPolicy', {
      description: 'Read-only access of the quality-control desktop to the batch pipeline buckets and file system',
      roles: [role],
      statements: this.readOnlyStatements(props),
    });
    this.acknowledgeObjectWildcards(props);
    // A bucket of another stack is only known as an import once references are
    // resolved, at synthesis; acknowledge its finding again then.
    this.node.addValidation({ validate: () => { this.acknowledgeObjectWildcards(props); return []; } });

    this.fleet = new appstream.CfnFleet(this, 'Fleet', {
      name: this.fleetName,
      displayName: fleetDisplayName,
      description: fleetDescription,
      imageName,
      instanceType,
      fleetType: this.fleetType,
      computeCapacity: { desiredInstances: desiredCapacity },
      vpcConfig: { subnetIds, securityGroupIds: [this.securityGroup.securityGroupId] },
      enableDefaultInternetAccess: false,
      iamRoleArn: role.roleArn,
      streamView: props.streamView ?? StreamView.DESKTOP,
      idleDisconnectTimeoutInSeconds: idleDisconnectTimeout,
      disconnectTimeoutInSeconds: disconnectTimeout,
      maxUserDurationInSeconds: maxSessionDuration,
      disableImdsv1: true,
    });
    // The instances need their permissions from the first session on.
    this.fleet.node.addDependency(role, this.policy);

    this.stack = new appstream.CfnStack(this, 'Stack', {
      name: this.stackName,
      displayName: stackDisplayName,
      description: stackDescription,
      storageConnectors: (props.homeFolders ?? true) ? [{ connectorType: 'HOMEFOLDERS' }] : undefined,
      userSettings: userSettingsFor(props.userSettings),
    });

    this.association = new appstream.CfnStackFleetAssociation(this, 'StackFleetAssociation', {
      fleetName: this.fleetName,
      stackName: this.stackName,
    });
    this.association.addDependency(this.fleet);
    this.association.addDependency(this.stack);
  }

  private validateImageName(imageName: string | undefined): string {
    if (imageName === undefined || (!Token.isUnresolved(imageName) && imageName.trim() === '')) {
      throw this.errors.error(`${this.errors.prop('imageName')} is required: AppStream 2.0 streams a desktop from an image you create first. `
        + 'In the AppStream 2.0 console open Images > Image builder, launch an image builder from a base image, connect to it, '
        + 'install the quality-control tools, create the image with Image Assistant and wait until it is Available under Images > Image registry, '
        + "then pass its name as 'imageName'");
    }
    checkPattern(this.errors, 'imageName', imageName, APPSTREAM_NAME, `${APPSTREAM_NAME_ALLOWED}, the name of an image under Images > Image `
      + 'registry in the AppStream 2.0 console');
    return imageName;
  }

  private vpcFor(props: QualityControlDesktopProps): ec2.IVpc {
    if (props.network && props.vpc) {
      throw this.errors.error('both \'network\' and \'vpc\' were given; allowed: one of them (\'vpc\' only when not using a pipeline network)');
    }
    const vpc = props.network?.vpc ?? props.vpc;
    if (!vpc) {
      throw this.errors.error('neither \'network\' nor \'vpc\' was given; allowed: a pipeline network or a VPC with private subnets');
    }
    // A new pipeline VPC has an S3 gateway endpoint in every egress mode; an existing
    // one in PUBLIC_SUBNETS mode has no NAT gateway and maybe no endpoint either.
    if (props.network?.egress === EgressMode.PUBLIC_SUBNETS && !props.network.s3Endpoint) {
      Annotations.of(this).addWarningV2('@batch-pipeline/appstream:noS3Route',
        'In egress mode PUBLIC_SUBNETS the private subnets have no NAT gateway, and the pipeline network created no S3 gateway endpoint (it uses '
          + 'an existing VPC), so unless that VPC routes its private subnets to S3 the desktop cannot reach its home folders or the pipeline '
          + 'buckets; add an S3 gateway endpoint to the VPC or use another egress mode.');
    }
    return vpc;
  }

  private subnetIdsFor(props: QualityControlDesktopProps, vpc: ec2.IVpc): string[] {
    const selection = props.subnets
      ?? props.network?.privateSubnets
      ?? { subnetType: vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED };
    const selected = vpc.selectSubnets(selection);
    const publicIds = new Set(vpc.publicSubnets.map((subnet) => subnet.subnetId));
    const publicSelected = selected.subnets.filter((subnet) => publicIds.has(subnet.subnetId));
    if (publicSelected.length > 0) {
      throw this.errors.error(`${this.errors.prop('subnets')} selects ${publicSelected.length} public subnet(s); allowed: private subnets only, `
        + 'the fleet has no internet access');
    }
    if (selected.subnetIds.length === 0) {
      throw this.errors.error(`${this.errors.prop('subnets')} selects no subnet of the VPC; allowed: a selection of one or more private subnets`);
    }
    return selected.subnetIds;
  }

  private s3PrefixList(prefixListId: string | undefined): ec2.IPeer {
    if (prefixListId !== undefined) {
      checkPattern(this.errors, 's3PrefixListId', prefixListId, PREFIX_LIST_ID, 'a prefix list id such as pl-7ca54015');
      return ec2.Peer.prefixList(prefixListId);
    }
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) {
      throw this.errors.error('cannot look up the S3 prefix list in a stack without a concrete account and region; '
        + "allowed: give the stack an 'env', or pass 's3PrefixListId' (aws ec2 describe-managed-prefix-lists --filters "
        + 'Name=prefix-list-name,Values=com.amazonaws.<region>.s3)');
    }
    return ec2.PrefixList.fromLookup(this, 'S3PrefixList', { prefixListName: `com.amazonaws.${stack.region}.s3` });
  }

  /** Reading objects needs '<bucket ARN>/*': acknowledges exactly that finding, once per bucket. */
  private acknowledgeObjectWildcards(props: QualityControlDesktopProps): void {
    for (const [bucket, kind] of this.readableBuckets(props)) {
      NagAcknowledgements.acknowledgeWildcardResource(this.policy, bucket.arnForObjects('*'),
        `The desktop reads any object of the ${kind} bucket (s3:GetObject, s3:GetObjectVersion on <bucket ARN>/*): `
          + `quality control opens any ${kind === 'reports' ? 'report' : 'upload'}, whose keys are not known at deploy time. The wildcard is `
          + 'limited to the objects of this one bucket.');
    }
  }

  private readableBuckets(props: QualityControlDesktopProps): Array<[s3.IBucket, 'reports' | 'upload']> {
    return [[props.reportsBucket, 'reports'], ...(props.uploadBucket ? [[props.uploadBucket, 'upload'] as [s3.IBucket, 'upload']] : [])];
  }

  private readOnlyStatements(props: QualityControlDesktopProps): iam.PolicyStatement[] {
    const buckets = this.readableBuckets(props).map(([bucket]) => bucket);
    const statements = [
      new iam.PolicyStatement({
        sid: 'ReadPipelineObjects',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: buckets.map((bucket) => bucket.arnForObjects('*')),
      }),
      new iam.PolicyStatement({
        sid: 'ListPipelineBuckets',
        actions: ['s3:ListBucket'],
        resources: buckets.map((bucket) => bucket.bucketArn),
      }),
    ];
    const keyArns = [...new Set(buckets.flatMap((bucket) => (bucket.encryptionKey ? [bucket.encryptionKey.keyArn] : [])))];
    if (keyArns.length > 0) {
      statements.push(new iam.PolicyStatement({
        sid: 'DecryptPipelineObjects',
        actions: ['kms:Decrypt'],
        resources: keyArns,
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }));
    }
    const accessPoint = props.fileSystemAccessPoint;
    if (accessPoint) {
      statements.push(new iam.PolicyStatement({
        sid: 'MountFileSystemReadOnly',
        actions: ['elasticfilesystem:ClientMount'],
        resources: [accessPoint.fileSystem.fileSystemArn],
        conditions: { StringEquals: { 'elasticfilesystem:AccessPointArn': accessPoint.accessPointArn } },
      }));
    }
    return statements;
  }
}
