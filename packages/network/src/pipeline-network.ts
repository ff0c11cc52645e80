import { Annotations, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ConstructErrors } from './construct-errors';
import { EgressMode } from './egress-mode';
import { NfsAccess } from './nfs-access';
import {
  LARGEST_VPC_PREFIX,
  SMALLEST_SUBNET_PREFIX,
  parseIpv4CidrPrefix,
  subnetGroupsFor,
  subnetPrefixFor,
} from './private/subnet-plan';
import { RegistryKind } from './registry-kind';

const DEFAULT_CIDR = '10.0.0.0/24';

/** What the other pipeline constructs need to know about the network they run in. */
export interface IPipelineNetwork {
  /** The VPC. */
  readonly vpc: ec2.IVpc;
  /** How jobs reach registries and AWS APIs. */
  readonly egress: EgressMode;
  /** Subnets for Batch jobs. */
  readonly jobSubnets: ec2.SubnetSelection;
  /** Whether jobs need a public IP to reach the internet (true only for `PUBLIC_SUBNETS`). */
  readonly assignPublicIp: boolean;
  /** Private subnets for EFS mount targets, DataSync network interfaces and desktops. */
  readonly privateSubnets: ec2.SubnetSelection;
  /** Security group of the Batch jobs: HTTPS out, NFS out to the file system, no ingress. */
  readonly jobSecurityGroup: ec2.ISecurityGroup;
  /** Security group of the EFS mount targets: NFS in from allowed security groups only. */
  readonly fileSystemSecurityGroup: ec2.ISecurityGroup;
  /**
   * The registries jobs can pull images from in this egress mode. With
   * `VPC_ENDPOINTS`, `ECR_PRIVATE` means private ECR of the network's own
   * region only: the interface endpoints serve that region (see `canPullFrom`).
   */
  readonly reachableRegistries: RegistryKind[];
  /**
   * The S3 gateway endpoint on the route tables of the private subnets.
   *
   * @default - none created (an existing VPC); the private subnets reach S3 only if that VPC routes them there
   */
  readonly s3Endpoint?: ec2.IGatewayVpcEndpoint;

  /**
   * Whether jobs can pull images from the given kind of registry; `UNKNOWN` is assumed reachable.
   *
   * With `VPC_ENDPOINTS`, a private ECR registry is reachable only in the
   * network's own region (the stack's region): the ECR and S3 endpoints serve
   * that region alone. The check is skipped (reachable) when `region` or the
   * stack's region is an unresolved token.
   *
   * @param registry the kind of registry, for example `ImageRegistry.kindOf(imageName)`
   * @param region the region of a private ECR registry, for example `ImageRegistry.regionOf(imageName)`; undefined means the network's own region
   */
  canPullFrom(registry: RegistryKind, region?: string): boolean;

  /**
   * Lets the given security group reach the file system over NFS (TCP 2049), in both directions' rules.
   *
   * When `peer` is in another stack than the network (a pipeline stack over a shared
   * network stack), both rules are created in the stack of `peer`: its egress rule, and
   * the file-system group's ingress rule from it. That stack then depends on the
   * network's, never the other way round. (A peer in the stack of the network's VPC,
   * when the VPC was given from another stack, gets both rules in the network's stack.)
   */
  allowFileSystemAccessFrom(peer: ec2.ISecurityGroup): void;
}

export interface PipelineNetworkProps {
  /**
   * An existing VPC to use instead of creating one. Nothing is created in it
   * but the two security groups and, unless disabled, a flow log; say with
   * `egress`, `jobSubnets` and `privateSubnets` how it is laid out.
   *
   * @default - a new VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * How jobs reach container registries and AWS APIs. See `EgressMode` for the idle cost of each.
   *
   * @default EgressMode.NAT_GATEWAY
   */
  readonly egress?: EgressMode;

  /**
   * IPv4 CIDR block of a new VPC. It must hold every subnet of the chosen
   * egress mode in every AZ with at least a /28 each.
   *
   * @default '10.0.0.0/24'
   */
  readonly cidr?: string;

  /**
   * Number of availability zones of a new VPC.
   *
   * @default 2
   */
  readonly maxAzs?: number;

  /**
   * Subnets for Batch jobs in an existing VPC.
   *
   * @default - public subnets for `PUBLIC_SUBNETS`, private subnets with egress for `NAT_GATEWAY`, isolated subnets for `VPC_ENDPOINTS`
   */
  readonly jobSubnets?: ec2.SubnetSelection;

  /**
   * Private subnets of an existing VPC for EFS mount targets and DataSync.
   *
   * @default - private subnets with egress for `NAT_GATEWAY`, isolated subnets otherwise
   */
  readonly privateSubnets?: ec2.SubnetSelection;

  /**
   * Extra interface endpoints for `VPC_ENDPOINTS` mode, for example Secrets
   * Manager when jobs read secrets.
   *
   * @default - none beyond ECR (api, dkr) and CloudWatch Logs
   */
  readonly additionalInterfaceEndpoints?: ec2.InterfaceVpcEndpointAwsService[];

  /**
   * In how many AZs the interface endpoints of `VPC_ENDPOINTS` mode get a network interface
   * (the first N AZs of the new VPC). Each endpoint is billed per AZ and hour, so 1 AZ costs a
   * third of 3; jobs in the other AZs still reach the endpoints (private DNS answers VPC-wide,
   * the local route joins the subnets, the endpoint security group admits the whole VPC CIDR),
   * but pay cross-AZ data transfer for that traffic and lose the endpoints while that one AZ is down.
   *
   * @default - every AZ of the VPC (`maxAzs`)
   */
  readonly interfaceEndpointAzs?: number;

  /**
   * Record VPC flow logs (all traffic) to CloudWatch Logs.
   *
   * @default true
   */
  readonly flowLogs?: boolean;

  /**
   * How long flow log records are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly flowLogRetention?: logs.RetentionDays;

  /**
   * KMS key that encrypts the flow log group.
   *
   * @default - encrypted with the CloudWatch Logs service key
   */
  readonly flowLogEncryptionKey?: kms.IKey;

  /**
   * What happens to the flow log group when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly flowLogRemovalPolicy?: RemovalPolicy;
}

/**
 * The pipeline's network: a VPC (new or existing) whose layout follows the
 * chosen egress mode, flow logs, and the security groups of the jobs and the
 * file system. No security group allows ingress from the internet.
 *
 * @example
 * const network = new PipelineNetwork(this, 'Network', {
 *   egress: EgressMode.VPC_ENDPOINTS,
 *   cidr: '10.0.0.0/25',
 * });
 */
export class PipelineNetwork extends Construct implements IPipelineNetwork {
  public readonly vpc: ec2.IVpc;
  public readonly egress: EgressMode;
  public readonly jobSubnets: ec2.SubnetSelection;
  public readonly assignPublicIp: boolean;
  public readonly privateSubnets: ec2.SubnetSelection;
  public readonly jobSecurityGroup: ec2.ISecurityGroup;
  public readonly fileSystemSecurityGroup: ec2.ISecurityGroup;
  public readonly reachableRegistries: RegistryKind[];
  /** The flow log group, when flow logs are on. */
  public readonly flowLogGroup?: logs.ILogGroup;
  /**
   * The S3 gateway endpoint of the private subnets, created with a new VPC in
   * every egress mode (it is free); undefined with an existing VPC.
   */
  public readonly s3Endpoint?: ec2.IGatewayVpcEndpoint;
  /** The interface endpoints created for `VPC_ENDPOINTS` mode, by service name. */
  public readonly interfaceEndpoints: ec2.IInterfaceVpcEndpoint[];

  private readonly errors: ConstructErrors;

  constructor(scope: Construct, id: string, props: PipelineNetworkProps = {}) {
    super(scope, id);
    this.errors = ConstructErrors.of(this, 'PipelineNetwork');
    this.egress = props.egress ?? EgressMode.NAT_GATEWAY;
    this.assignPublicIp = this.egress === EgressMode.PUBLIC_SUBNETS;
    this.reachableRegistries = this.egress === EgressMode.VPC_ENDPOINTS
      ? [RegistryKind.ECR_PRIVATE]
      : [RegistryKind.ECR_PRIVATE, RegistryKind.ECR_PUBLIC, RegistryKind.DOCKER_HUB, RegistryKind.OTHER_INTERNET];

    const defaultPrivateType = this.egress === EgressMode.NAT_GATEWAY
      ? ec2.SubnetType.PRIVATE_WITH_EGRESS
      : ec2.SubnetType.PRIVATE_ISOLATED;
    const defaultJobType = this.egress === EgressMode.PUBLIC_SUBNETS ? ec2.SubnetType.PUBLIC : defaultPrivateType;

    if (props.additionalInterfaceEndpoints?.length && this.egress !== EgressMode.VPC_ENDPOINTS) {
      throw this.errors.error(`${this.errors.prop('additionalInterfaceEndpoints')} is only used with 'egress' VPC_ENDPOINTS, `
        + `got egress ${this.egress}; remove it or switch to VPC_ENDPOINTS`);
    }
    if (props.interfaceEndpointAzs !== undefined && this.egress !== EgressMode.VPC_ENDPOINTS) {
      throw this.errors.error(`${this.errors.prop('interfaceEndpointAzs')} is only used with 'egress' VPC_ENDPOINTS, got egress ${this.egress}; `
        + 'remove it or switch to VPC_ENDPOINTS');
    }
    if (props.vpc) {
      this.rejectNewVpcProps(props);
      this.vpc = props.vpc;
    } else {
      this.vpc = this.createVpc(props);
    }
    this.jobSubnets = props.jobSubnets ?? { subnetType: defaultJobType };
    this.privateSubnets = props.privateSubnets ?? { subnetType: defaultPrivateType };
    if (props.vpc) {
      this.validateExistingVpcSubnets(props);
    }

    // S3 through the gateway endpoint costs nothing: without it the private
    // subnets have no route to S3 in PUBLIC_SUBNETS mode, and pay NAT data
    // processing for it in NAT_GATEWAY mode.
    this.s3Endpoint = props.vpc ? undefined : this.vpc.addGatewayEndpoint('S3Endpoint', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [this.privateSubnets],
    });
    this.interfaceEndpoints = !props.vpc && this.egress === EgressMode.VPC_ENDPOINTS
      ? this.createEndpoints(props.cidr ?? DEFAULT_CIDR, props.additionalInterfaceEndpoints ?? [], this.endpointSubnets(props))
      : [];

    if (props.flowLogs ?? true) {
      this.flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
        retention: props.flowLogRetention ?? logs.RetentionDays.ONE_YEAR,
        encryptionKey: props.flowLogEncryptionKey,
        removalPolicy: props.flowLogRemovalPolicy ?? RemovalPolicy.RETAIN,
      });
      const flowLog = new ec2.FlowLog(this, 'FlowLog', {
        resourceType: ec2.FlowLogResourceType.fromVpc(this.vpc),
        destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
        trafficType: ec2.FlowLogTrafficType.ALL,
      });
      Validations.of(flowLog).acknowledge({
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason: 'The flow log delivery role is generated by the FlowLog construct with one inline policy that allows writing to this log group '
          + 'only; a separate managed policy would grant the same.',
      });
      if (!props.flowLogEncryptionKey) {
        Validations.of(this.flowLogGroup).acknowledge({
          id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
          reason: 'Flow log records are encrypted at rest with the CloudWatch Logs service key by default; '
            + 'set flowLogEncryptionKey to use a customer managed KMS key.',
        });
      }
    }

    this.fileSystemSecurityGroup = new ec2.SecurityGroup(this, 'FileSystemSecurityGroup', {
      vpc: this.vpc,
      description: 'EFS mount targets of the batch pipeline: NFS from allowed security groups only',
      allowAllOutbound: false,
    });
    this.jobSecurityGroup = new ec2.SecurityGroup(this, 'JobSecurityGroup', {
      vpc: this.vpc,
      description: 'Batch jobs of the batch pipeline: HTTPS and NFS out, no ingress',
      allowAllOutbound: false,
    });
    // Registries, S3 and CloudWatch Logs are all reached over HTTPS, through
    // NAT, an internet gateway or the VPC endpoints depending on the mode.
    this.jobSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to registries and AWS APIs');
    this.allowFileSystemAccessFrom(this.jobSecurityGroup);
  }

  public canPullFrom(registry: RegistryKind, region?: string): boolean {
    if (registry === RegistryKind.UNKNOWN) {
      return true;
    }
    if (!this.reachableRegistries.includes(registry)) {
      return false;
    }
    if (registry === RegistryKind.ECR_PRIVATE && this.egress === EgressMode.VPC_ENDPOINTS && region !== undefined) {
      const ownRegion = Stack.of(this).region;
      if (!Token.isUnresolved(region) && !Token.isUnresolved(ownRegion)) {
        return region === ownRegion;
      }
    }
    return true;
  }

  public allowFileSystemAccessFrom(peer: ec2.ISecurityGroup): void {
    // An ingress rule in the network's stack that names a group of another stack, which
    // itself references the file system, would be a dependency cycle between the two.
    NfsAccess.allow({
      fileSystemGroup: this.fileSystemSecurityGroup,
      peer,
      vpc: this.vpc,
      ingressDescription: 'NFS from a pipeline component',
      egressDescription: 'NFS to the pipeline file system',
    });
  }

  private createVpc(props: PipelineNetworkProps): ec2.IVpc {
    const cidr = props.cidr ?? DEFAULT_CIDR;
    const maxAzs = props.maxAzs ?? 2;
    if (!Token.isUnresolved(maxAzs) && (!Number.isInteger(maxAzs) || maxAzs < 1)) {
      throw this.errors.error(`${this.errors.prop('maxAzs')} ${maxAzs} is not valid; allowed: a whole number of at least 1 (2 or more for high `
        + 'availability)');
    }
    const groups = subnetGroupsFor(this.egress);
    let cidrMask: number | undefined;
    if (!Token.isUnresolved(cidr)) {
      const vpcPrefix = parseIpv4CidrPrefix(cidr);
      if (vpcPrefix === undefined || vpcPrefix < LARGEST_VPC_PREFIX || vpcPrefix > SMALLEST_SUBNET_PREFIX) {
        throw this.errors.error(`${this.errors.prop('cidr')} ${cidr} is not valid; allowed: an IPv4 CIDR block from /${LARGEST_VPC_PREFIX} to `
          + `/${SMALLEST_SUBNET_PREFIX}, such as 10.0.0.0/24`);
      }
      const subnetCount = maxAzs * groups.length;
      cidrMask = subnetPrefixFor(vpcPrefix, subnetCount);
      if (cidrMask > SMALLEST_SUBNET_PREFIX) {
        const largestPrefixNeeded = SMALLEST_SUBNET_PREFIX - Math.ceil(Math.log2(subnetCount));
        throw this.errors.error(`${this.errors.prop('cidr')} ${cidr} cannot hold ${subnetCount} subnets (${maxAzs} AZs x ${groups.length} subnet `
          + `groups for egress ${this.egress}): each would be /${cidrMask}, smaller than the /${SMALLEST_SUBNET_PREFIX} minimum; allowed: `
          + `a prefix of /${largestPrefixNeeded} or larger, or fewer AZs`);
      }
    }

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      maxAzs,
      natGateways: this.egress === EgressMode.NAT_GATEWAY ? 1 : 0,
      subnetConfiguration: groups.map((group) => ({ name: group.name, subnetType: group.subnetType, cidrMask })),
      // Jobs get a public IP explicitly in PUBLIC_SUBNETS mode; nothing else should.
      createInternetGateway: this.egress !== EgressMode.VPC_ENDPOINTS,
      restrictDefaultSecurityGroup: true,
    });
    for (const subnet of vpc.publicSubnets) {
      (subnet.node.defaultChild as ec2.CfnSubnet).mapPublicIpOnLaunch = false;
      Validations.of(subnet).acknowledge({
        id: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
        reason: this.egress === EgressMode.NAT_GATEWAY
          ? 'The public subnets hold only the NAT gateway, which needs a default route to the internet gateway to give the private subnets egress.'
          : 'In PUBLIC_SUBNETS egress mode jobs pull images through the internet gateway; their security group allows no ingress.',
      });
    }
    if (this.egress === EgressMode.NAT_GATEWAY && maxAzs > 1) {
      Annotations.of(this).addInfo('One NAT gateway serves every AZ (as the original system); jobs in other AZs lose egress if its AZ fails.');
    }
    return vpc;
  }

  /** The private subnets of the first `interfaceEndpointAzs` AZs, or all of them. */
  private endpointSubnets(props: PipelineNetworkProps): ec2.SubnetSelection {
    const azs = props.interfaceEndpointAzs;
    if (azs === undefined) return this.privateSubnets;
    const maxAzs = this.vpc.availabilityZones.length;
    if (!Number.isInteger(azs) || azs < 1 || azs > maxAzs) {
      throw this.errors.error(`${this.errors.prop('interfaceEndpointAzs')} ${azs} is not valid; allowed: a whole number from 1 to ${maxAzs} (the `
        + "VPC's AZs, 'maxAzs')");
    }
    return { ...this.privateSubnets, availabilityZones: this.vpc.availabilityZones.slice(0, azs) };
  }

  private createEndpoints(
    vpcCidr: string, additional: ec2.InterfaceVpcEndpointAwsService[], subnets: ec2.SubnetSelection,
  ): ec2.IInterfaceVpcEndpoint[] {
    const services: Array<[string, ec2.InterfaceVpcEndpointAwsService]> = [
      ['EcrApiEndpoint', ec2.InterfaceVpcEndpointAwsService.ECR],
      ['EcrDockerEndpoint', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
      ['LogsEndpoint', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
      ...additional.map((service, index): [string, ec2.InterfaceVpcEndpointAwsService] => [`AdditionalEndpoint${index}`, service]),
    ];
    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints of the batch pipeline: HTTPS from inside the VPC',
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(vpcCidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
    return services.map(([endpointId, service]) => this.vpc.addInterfaceEndpoint(endpointId, {
      service,
      subnets,
      securityGroups: [endpointSecurityGroup],
      privateDnsEnabled: true,
      open: false,
    }));
  }

  /**
   * Fails early, naming the prop, when a subnet selection finds nothing in an
   * existing VPC (aws-cdk-lib would fail later, naming neither construct nor prop).
   * A VPC whose lookup is still pending (`Vpc.fromLookup` before the CLI filled in the context) is not checked.
   */
  private validateExistingVpcSubnets(props: PipelineNetworkProps): void {
    const missing: Array<{ prop: string; kind: string }> = [];
    for (const [prop, selection, given] of [
      ['jobSubnets', this.jobSubnets, props.jobSubnets !== undefined],
      ['privateSubnets', this.privateSubnets, props.privateSubnets !== undefined],
    ] as const) {
      let reason: string | undefined;
      try {
        const selected = this.vpc.selectSubnets(selection);
        if (selected.isPendingLookup || selected.subnets.length > 0) {
          continue;
        }
        reason = 'the selection is empty';
      } catch (error) {
        reason = (error as Error).message;
      }
      if (given) {
        throw this.errors.error(`${this.errors.prop(prop)} ${JSON.stringify(selection)} selects no subnets of the given 'vpc' (${reason}); `
          + 'allowed: a selection of subnets that VPC has');
      }
      missing.push({ prop, kind: SUBNET_KIND[selection.subnetType!] });
    }
    if (missing.length === 0) {
      return;
    }
    const what = missing.length === 2 && missing[0].kind === missing[1].kind
      ? `no ${missing[0].kind} subnets for 'jobSubnets' and 'privateSubnets'`
      : missing.map((entry) => `no ${entry.kind} subnets for '${entry.prop}'`).join(' and ');
    const has = [ec2.SubnetType.PUBLIC, ec2.SubnetType.PRIVATE_WITH_EGRESS, ec2.SubnetType.PRIVATE_ISOLATED]
      .filter((type) => subnetsOfType(this.vpc, type).length > 0);
    const fittingModes = Object.values(EgressMode).filter((mode) => mode !== this.egress
      && defaultSubnetTypesFor(mode).every((type) => has.includes(type)));
    const choose = fittingModes.length > 0
      ? `, or choose egress ${fittingModes.join(' or ')}, whose default subnets that VPC has`
      : '';
    throw this.errors.error(`the given 'vpc' has ${what} (egress ${this.egress});`
      + ` allowed: give ${missing.map((entry) => `'${entry.prop}'`).join(' and ')} (for example { subnetGroupName: 'Jobs' })${choose}`
      + ` (the VPC has ${has.length > 0 ? has.map((type) => SUBNET_KIND[type]).join(', ') : 'no'} subnets)`);
  }

  private rejectNewVpcProps(props: PipelineNetworkProps): void {
    const newVpcOnly: Array<keyof PipelineNetworkProps> = ['cidr', 'maxAzs', 'additionalInterfaceEndpoints', 'interfaceEndpointAzs'];
    const given = newVpcOnly.filter((name) => props[name] !== undefined);
    if (given.length > 0) {
      throw this.errors.error(`${given.map((name) => `'${name}'`).join(', ')} only apply to a new VPC, but 'vpc' was given; `
        + "remove them or remove 'vpc'");
    }
  }
}

/** How subnet types read in messages. */
const SUBNET_KIND: { [type: string]: string } = {
  [ec2.SubnetType.PUBLIC]: 'public',
  [ec2.SubnetType.PRIVATE_WITH_EGRESS]: 'private with egress',
  [ec2.SubnetType.PRIVATE_ISOLATED]: 'isolated',
};

function subnetsOfType(vpc: ec2.IVpc, type: ec2.SubnetType): ec2.ISubnet[] {
  switch (type) {
    case ec2.SubnetType.PUBLIC:
      return vpc.publicSubnets;
    case ec2.SubnetType.PRIVATE_ISOLATED:
      return vpc.isolatedSubnets;
    default:
      return vpc.privateSubnets;
  }
}

/** The subnet types a mode selects by default: for jobs and for the private subnets. */
function defaultSubnetTypesFor(egress: EgressMode): ec2.SubnetType[] {
  switch (egress) {
    case EgressMode.NAT_GATEWAY:
      return [ec2.SubnetType.PRIVATE_WITH_EGRESS];
    case EgressMode.VPC_ENDPOINTS:
      return [ec2.SubnetType.PRIVATE_ISOLATED];
    case EgressMode.PUBLIC_SUBNETS:
      return [ec2.SubnetType.PUBLIC, ec2.SubnetType.PRIVATE_ISOLATED];
  }
}
