import { testStack } from '@batch-pipeline/test-support';
import { App, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { EgressMode, ImageRegistry, PipelineNetwork, PipelineNetworkProps, RegistryKind } from '../src';

function synth(props: PipelineNetworkProps = {}): { stack: Stack; network: PipelineNetwork; template: Template } {
  const stack = testStack();
  const network = new PipelineNetwork(stack, 'Network', props);
  return { stack, network, template: Template.fromStack(stack) };
}

function subnetCidrs(template: Template): string[] {
  return Object.values(template.findResources('AWS::EC2::Subnet')).map((subnet) => subnet.Properties.CidrBlock).sort();
}

describe('PipelineNetwork defaults', () => {
  const { network, template } = synth();

  test('creates a 10.0.0.0/24 VPC over 2 AZs with public and private subnets', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/24' });
    expect(subnetCidrs(template)).toEqual(['10.0.0.0/26', '10.0.0.128/26', '10.0.0.192/26', '10.0.0.64/26']);
  });

  test('uses one NAT gateway, as the original system', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    expect(network.egress).toBe(EgressMode.NAT_GATEWAY);
    expect(network.assignPublicIp).toBe(false);
    expect(network.jobSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    expect(network.privateSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  });

  test('no subnet gives instances a public IP on launch', () => {
    for (const subnet of Object.values(template.findResources('AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
  });

  test('records flow logs of all traffic to a log group kept for a year and retained on delete', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365 },
      DeletionPolicy: 'Retain',
    });
  });

  test('closes the default security group of the VPC', () => {
    template.hasResourceProperties('Custom::VpcRestrictDefaultSG', {});
  });

  test('the job security group allows HTTPS out and NFS to the file system, and nothing in', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Batch jobs'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }],
      SecurityGroupIngress: Match.absent(),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 2049,
      ToPort: 2049,
      IpProtocol: 'tcp',
      DestinationSecurityGroupId: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('FileSystemSecurityGroup'), 'GroupId'] }),
    });
  });

  test('the file system security group allows NFS only from the job security group and has no egress', () => {
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress');
    expect(Object.values(ingress).map((rule) => rule.Properties)).toEqual([
      expect.objectContaining({
        FromPort: 2049,
        ToPort: 2049,
        IpProtocol: 'tcp',
        SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/JobSecurityGroup/), 'GroupId'] },
      }),
    ]);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^EFS mount targets'),
      // CDK's way of saying "no egress": a rule to an unroutable address.
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
  });

  test('no security group allows ingress from 0.0.0.0/0', () => {
    const json = JSON.stringify([
      template.findResources('AWS::EC2::SecurityGroup'),
      template.findResources('AWS::EC2::SecurityGroupIngress'),
    ].map((resources) => Object.values(resources).map((resource) => resource.Properties.SecurityGroupIngress ?? resource.Properties)));
    expect(json).not.toContain('"CidrIp":"0.0.0.0/0","Description":"NFS');
    for (const group of Object.values(template.findResources('AWS::EC2::SecurityGroup'))) {
      for (const rule of group.Properties.SecurityGroupIngress ?? []) {
        expect(rule.CidrIp).not.toBe('0.0.0.0/0');
      }
    }
  });

  test('jobs can pull from every registry', () => {
    for (const registry of Object.values(RegistryKind)) {
      expect(network.canPullFrom(registry)).toBe(true);
    }
  });

  test('jobs can pull from private ECR of any region through the NAT gateway', () => {
    expect(network.canPullFrom(RegistryKind.ECR_PRIVATE, 'us-east-1')).toBe(true);
  });
});

describe('PipelineNetwork egress VPC_ENDPOINTS', () => {
  const { network, template } = synth({ egress: EgressMode.VPC_ENDPOINTS, cidr: '10.0.0.0/25' });

  test('has only isolated subnets, no internet gateway and no NAT gateway', () => {
    expect(subnetCidrs(template)).toEqual(['10.0.0.0/26', '10.0.0.64/26']);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    expect(network.jobSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
  });

  test('creates the S3 gateway endpoint and the ECR and CloudWatch Logs interface endpoints Fargate needs', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
    });
    const interfaceServices = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))
      .map((endpoint) => endpoint.Properties.ServiceName).sort();
    expect(interfaceServices).toEqual(['com.amazonaws.eu-west-2.ecr.api', 'com.amazonaws.eu-west-2.ecr.dkr', 'com.amazonaws.eu-west-2.logs']);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
  });

  test('endpoints accept HTTPS only from inside the VPC', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Interface endpoints'),
      SecurityGroupIngress: [{ CidrIp: '10.0.0.0/25', FromPort: 443, ToPort: 443, IpProtocol: 'tcp', Description: 'HTTPS from the VPC' }],
    });
  });

  test('jobs can pull only from private ECR', () => {
    expect(network.reachableRegistries).toEqual([RegistryKind.ECR_PRIVATE]);
    expect(network.canPullFrom(RegistryKind.ECR_PUBLIC)).toBe(false);
    expect(network.canPullFrom(RegistryKind.DOCKER_HUB)).toBe(false);
    expect(network.canPullFrom(RegistryKind.OTHER_INTERNET)).toBe(false);
    expect(network.canPullFrom(RegistryKind.UNKNOWN)).toBe(true);
  });

  test('jobs can pull from private ECR of the stack region only', () => {
    // given a VPC_ENDPOINTS network in an eu-west-2 stack
    // when asked about private ECR images of this and of another region
    const otherRegion = '123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1';
    const ownRegion = '123456789012.dkr.ecr.eu-west-2.amazonaws.com/x:1';

    // then only this region's registry is reachable through the interface endpoints
    expect(network.canPullFrom(ImageRegistry.kindOf(otherRegion), ImageRegistry.regionOf(otherRegion))).toBe(false);
    expect(network.canPullFrom(ImageRegistry.kindOf(ownRegion), ImageRegistry.regionOf(ownRegion))).toBe(true);
    expect(network.canPullFrom(RegistryKind.ECR_PRIVATE)).toBe(true);
  });

  test('the region check is skipped when the image region or the stack region is an unresolved token', () => {
    // given an image region that is a token, and a stack without a region
    const tokenRegion = Lazy.string({ produce: () => 'us-east-1' });
    const agnostic = new Stack(new App(), 'Agnostic');
    const agnosticNetwork = new PipelineNetwork(agnostic, 'Network', { egress: EgressMode.VPC_ENDPOINTS });

    // then both are assumed reachable
    expect(network.canPullFrom(RegistryKind.ECR_PRIVATE, tokenRegion)).toBe(true);
    expect(agnosticNetwork.canPullFrom(RegistryKind.ECR_PRIVATE, 'us-east-1')).toBe(true);
  });

  test('additional interface endpoints are added next to the required ones', () => {
    const extra = synth({ egress: EgressMode.VPC_ENDPOINTS, additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER] });
    extra.template.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.eu-west-2.secretsmanager' });
    expect(extra.network.interfaceEndpoints).toHaveLength(4);
  });
});

describe('PipelineNetwork egress PUBLIC_SUBNETS', () => {
  const { network, template } = synth({ egress: EgressMode.PUBLIC_SUBNETS });

  test('runs jobs in public subnets with a public IP and keeps isolated subnets for the file system', () => {
    expect(network.assignPublicIp).toBe(true);
    expect(network.jobSubnets).toEqual({ subnetType: ec2.SubnetType.PUBLIC });
    expect(network.privateSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    expect(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })).toEqual({});
    template.resourceCountIs('AWS::EC2::Subnet', 4);
  });
});

describe('PipelineNetwork S3 gateway endpoint', () => {
  test.each([EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS, EgressMode.PUBLIC_SUBNETS])(
    'egress %s: a new VPC routes S3 traffic of its private subnets, and only theirs, through one S3 gateway endpoint', (egress) => {
      // given a new VPC in this egress mode
      const { stack, network, template } = synth({ egress });

      // then there is exactly one gateway endpoint, for S3
      const gateways = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }));
      expect(gateways).toHaveLength(1);
      expect(gateways[0].Properties.ServiceName).toEqual({ 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] });
      expect(network.s3Endpoint).toBeDefined();

      // and it is attached to the route tables of the private subnets, not to those of the public subnets
      const routeTablesOf = (subnets: ec2.ISubnet[]) => subnets.map((subnet) => stack.resolve(subnet.routeTable.routeTableId));
      const privateRouteTables = routeTablesOf(network.vpc.selectSubnets(network.privateSubnets).subnets);
      expect(privateRouteTables).toHaveLength(2);
      expect(gateways[0].Properties.RouteTableIds).toEqual(privateRouteTables);
      for (const publicRouteTable of routeTablesOf(network.vpc.publicSubnets)) {
        expect(gateways[0].Properties.RouteTableIds).not.toContainEqual(publicRouteTable);
      }
    });

  test.each([EgressMode.NAT_GATEWAY, EgressMode.PUBLIC_SUBNETS])('egress %s creates no interface endpoint', (egress) => {
    const { network, template } = synth({ egress });
    expect(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } })).toEqual({});
    expect(network.interfaceEndpoints).toEqual([]);
  });
});

describe('PipelineNetwork options', () => {
  test('the original /25 fits in every egress mode', () => {
    for (const egress of [EgressMode.NAT_GATEWAY, EgressMode.VPC_ENDPOINTS, EgressMode.PUBLIC_SUBNETS]) {
      expect(() => synth({ egress, cidr: '10.0.0.0/25' })).not.toThrow();
    }
  });

  test('maxAzs sets the number of AZs', () => {
    const { template } = synth({ maxAzs: 3, cidr: '10.1.0.0/22' });
    template.resourceCountIs('AWS::EC2::Subnet', 6);
    expect(subnetCidrs(template)).toContain('10.1.2.0/25');
  });

  test('flow logs can be turned off', () => {
    const { network, template } = synth({ flowLogs: false });
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    expect(network.flowLogGroup).toBeUndefined();
  });

  test('flow log retention, key and removal policy are configurable', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    new PipelineNetwork(stack, 'Network', {
      flowLogRetention: logs.RetentionDays.ONE_MONTH,
      flowLogEncryptionKey: key,
      flowLogRemovalPolicy: RemovalPolicy.DESTROY,
    });
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
      DeletionPolicy: 'Delete',
    });
  });

  test('an existing VPC is used as is, with security groups and a flow log added', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const network = new PipelineNetwork(stack, 'Network', {
      vpc,
      egress: EgressMode.VPC_ENDPOINTS,
      jobSubnets: { subnetGroupName: 'Isolated' },
      privateSubnets: { subnetGroupName: 'Isolated' },
    });
    const template = Template.fromStack(stack);
    expect(network.vpc).toBe(vpc);
    expect(network.jobSubnets).toEqual({ subnetGroupName: 'Isolated' });
    expect(network.privateSubnets).toEqual({ subnetGroupName: 'Isolated' });
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    expect(network.s3Endpoint).toBeUndefined();
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 2);
  });

  test('allowFileSystemAccessFrom opens NFS between another security group and the file system', () => {
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    const desktop = new ec2.SecurityGroup(stack, 'Desktop', { vpc: network.vpc, allowAllOutbound: false });
    network.allowFileSystemAccessFrom(desktop);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 2049,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Desktop'), 'GroupId'] },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      FromPort: 2049,
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Desktop'), 'GroupId'] },
    });
  });
});

describe('PipelineNetwork validation', () => {
  test('fails when the CIDR cannot hold the subnets, naming the smallest prefix that can', () => {
    expect(() => synth({ cidr: '10.0.0.0/27' })).toThrow(
      "PipelineNetwork 'Network': 'cidr' 10.0.0.0/27 cannot hold 4 subnets (2 AZs x 2 subnet groups for egress NAT_GATEWAY): each would be /29, smaller than the /28 minimum; allowed: a prefix of /26 or larger, or fewer AZs",
    );
  });

  test('fails when the CIDR is not an IPv4 block from /16 to /28', () => {
    for (const cidr of ['10.0.0.0/8', '10.0.0.0', '300.0.0.0/24', 'fd00::/64']) {
      expect(() => synth({ cidr })).toThrow(`PipelineNetwork 'Network': 'cidr' ${cidr} is not valid; allowed: an IPv4 CIDR block from /16 to /28, such as 10.0.0.0/24`);
    }
  });

  test('fails when maxAzs is not a whole number of at least 1', () => {
    for (const maxAzs of [0, 1.5, -2]) {
      expect(() => synth({ maxAzs })).toThrow(`PipelineNetwork 'Network': 'maxAzs' ${maxAzs} is not valid; allowed: a whole number of at least 1 (2 or more for high availability)`);
    }
  });

  test('fails when new-VPC props are given with an existing VPC', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Existing');
    expect(() => new PipelineNetwork(stack, 'Network', { vpc, cidr: '10.0.0.0/24', maxAzs: 3 })).toThrow(
      "PipelineNetwork 'Network': 'cidr', 'maxAzs' only apply to a new VPC, but 'vpc' was given; remove them or remove 'vpc'",
    );
  });

  test('fails when additional endpoints are asked for without VPC_ENDPOINTS', () => {
    expect(() => synth({ additionalInterfaceEndpoints: [ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER] })).toThrow(
      "PipelineNetwork 'Network': 'additionalInterfaceEndpoints' is only used with 'egress' VPC_ENDPOINTS, got egress NAT_GATEWAY; remove it or switch to VPC_ENDPOINTS",
    );
  });
});

describe('PipelineNetwork in an existing VPC that lacks the subnets of its egress mode', () => {
  /** An imported VPC with public and private-with-egress subnets only, as `Vpc.fromVpcAttributes` gives it. */
  function importedVpc(stack: Stack): ec2.IVpc {
    return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-2a', 'eu-west-2b'],
      publicSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
      privateSubnetIds: ['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2'],
    });
  }

  test('fails early, naming the props, when an imported VPC has no isolated subnets for VPC_ENDPOINTS', () => {
    // given an imported VPC without isolated subnets
    const stack = testStack();
    const vpc = importedVpc(stack);

    // when the network uses it with VPC_ENDPOINTS and the default subnet selections
    // then it fails naming the construct, the props, the mode and what would work
    expect(() => new PipelineNetwork(stack, 'Network', { vpc, egress: EgressMode.VPC_ENDPOINTS })).toThrow(
      "PipelineNetwork 'Network': the given 'vpc' has no isolated subnets for 'jobSubnets' and 'privateSubnets' (egress VPC_ENDPOINTS);"
      + " allowed: give 'jobSubnets' and 'privateSubnets' (for example { subnetGroupName: 'Jobs' }), or choose egress NAT_GATEWAY, whose default subnets that VPC has"
      + ' (the VPC has public, private with egress subnets)',
    );
  });

  test('fails early when a new-style VPC with public and private-with-egress subnets is used with PUBLIC_SUBNETS', () => {
    // given an ec2.Vpc with public and private-with-egress subnets only
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { natGateways: 1 });

    // when the network uses it with PUBLIC_SUBNETS (jobs in public subnets, the rest in isolated ones)
    // then the missing isolated subnets are named
    expect(() => new PipelineNetwork(stack, 'Network', { vpc, egress: EgressMode.PUBLIC_SUBNETS })).toThrow(
      "PipelineNetwork 'Network': the given 'vpc' has no isolated subnets for 'privateSubnets' (egress PUBLIC_SUBNETS);"
      + " allowed: give 'privateSubnets' (for example { subnetGroupName: 'Jobs' }), or choose egress NAT_GATEWAY, whose default subnets that VPC has"
      + ' (the VPC has public, private with egress subnets)',
    );
  });

  test('fails early when a VPC with isolated subnets only is used with the default egress NAT_GATEWAY', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => new PipelineNetwork(stack, 'Network', { vpc })).toThrow(
      "PipelineNetwork 'Network': the given 'vpc' has no private with egress subnets for 'jobSubnets' and 'privateSubnets' (egress NAT_GATEWAY);"
      + " allowed: give 'jobSubnets' and 'privateSubnets' (for example { subnetGroupName: 'Jobs' }), or choose egress VPC_ENDPOINTS, whose default subnets that VPC has"
      + ' (the VPC has isolated subnets)',
    );
  });

  test('works when the subnets are given explicitly', () => {
    // given the same imported VPC
    const stack = testStack();
    const vpc = importedVpc(stack);

    // when jobs and the file system use its private subnets
    const network = new PipelineNetwork(stack, 'Network', {
      vpc,
      egress: EgressMode.VPC_ENDPOINTS,
      jobSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      privateSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });

    // then those are selected
    expect(vpc.selectSubnets(network.jobSubnets).subnetIds).toEqual(['subnet-0bbbbbbbbbbbbbbb1', 'subnet-0bbbbbbbbbbbbbbb2']);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::SecurityGroup', 2);
  });

  test('fails when a given selection matches no subnet of the VPC', () => {
    const stack = testStack();
    const vpc = importedVpc(stack);
    expect(() => new PipelineNetwork(stack, 'Network', { vpc, jobSubnets: { subnetGroupName: 'Jobs' } })).toThrow(
      /^PipelineNetwork 'Network': 'jobSubnets' \{"subnetGroupName":"Jobs"\} selects no subnets of the given 'vpc' \(There are no subnet groups with name 'Jobs' in this VPC.*\); allowed: a selection of subnets that VPC has$/,
    );
  });

  test('a VPC whose lookup is still pending is not checked, so the CDK CLI can fill in the context', () => {
    // given Vpc.fromLookup before the CLI looked it up (aws-cdk-lib gives a dummy VPC)
    const stack = testStack();
    const vpc = ec2.Vpc.fromLookup(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0' });

    // then any egress mode synthesizes for now
    expect(() => new PipelineNetwork(stack, 'Network', { vpc, egress: EgressMode.PUBLIC_SUBNETS })).not.toThrow();
  });
});
