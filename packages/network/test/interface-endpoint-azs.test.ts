import { nagFindings, testStack } from '@batch-pipeline/test-support';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EgressMode, PipelineNetwork, PipelineNetworkProps } from '../src';

function synth(props: PipelineNetworkProps): Template {
  const stack = testStack();
  new PipelineNetwork(stack, 'Network', props);
  return Template.fromStack(stack);
}

/** Whether an IPv4 CIDR block lies inside another. */
function contains(outer: string, inner: string): boolean {
  const toInt = (ip: string) => ip.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
  const [outerIp, outerBits] = outer.split('/');
  const [innerIp, innerBits] = inner.split('/');
  const size = 2 ** (32 - Number(outerBits));
  const start = Math.floor(toInt(outerIp) / size) * size;
  return Number(innerBits) >= Number(outerBits) && toInt(innerIp) >= start && toInt(innerIp) < start + size;
}

function interfaceEndpoints(template: Template) {
  return Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }));
}

function subnetsById(template: Template): Record<string, { az: unknown; cidr: string }> {
  return Object.fromEntries(Object.entries(template.findResources('AWS::EC2::Subnet'))
    .map(([id, subnet]) => [id, { az: subnet.Properties.AvailabilityZone, cidr: subnet.Properties.CidrBlock }]));
}

describe('PipelineNetwork interfaceEndpointAzs', () => {
  describe('given VPC_ENDPOINTS over 2 AZs with the interface endpoints in 1 AZ', () => {
    const template = synth({ egress: EgressMode.VPC_ENDPOINTS, cidr: '10.0.0.0/25', interfaceEndpointAzs: 1 });
    const subnets = subnetsById(template);
    const endpointSubnetIds = [...new Set(interfaceEndpoints(template)
      .flatMap((endpoint) => endpoint.Properties.SubnetIds.map((ref: { Ref: string }) => ref.Ref)))];
    const otherAz = Object.keys(subnets).filter((id) => !endpointSubnetIds.includes(id));

    test('then each interface endpoint has one network interface, in the first AZ', () => {
      const endpoints = interfaceEndpoints(template);
      expect(endpoints).toHaveLength(3);
      for (const endpoint of endpoints) expect(endpoint.Properties.SubnetIds).toHaveLength(1);
      expect(endpointSubnetIds).toHaveLength(1);
      const azs = [...new Set(Object.values(subnets).map((subnet) => String(subnet.az)))].sort();
      expect(azs).toHaveLength(2);
      expect(subnets[endpointSubnetIds[0]].az).toBe(azs[0]);
    });

    test('then a job in the other AZ finds the endpoint by name: private DNS is on, and the VPC resolves it VPC-wide', () => {
      expect(otherAz).toHaveLength(1);
      for (const endpoint of interfaceEndpoints(template)) expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
      template.hasResourceProperties('AWS::EC2::VPC', { EnableDnsSupport: true, EnableDnsHostnames: true });
    });

    test('then the job reaches the endpoint over the VPC local route: its subnet has no route that would take the endpoint addresses elsewhere', () => {
      // The local route (the VPC CIDR) is implicit in every route table; an isolated subnet adds
      // none for the VPC's own addresses (only the S3 gateway endpoint's prefix-list route).
      const [table] = Object.entries(template.findResources('AWS::EC2::SubnetRouteTableAssociation'))
        .filter(([, association]) => association.Properties.SubnetId.Ref === otherAz[0])
        .map(([, association]) => association.Properties.RouteTableId.Ref);
      const routes = Object.values(template.findResources('AWS::EC2::Route')).filter((route) => route.Properties.RouteTableId.Ref === table);
      expect(routes).toEqual([]);
      const s3 = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Gateway' } }))[0];
      expect(s3.Properties.RouteTableIds).toContainEqual({ Ref: table });
    });

    test('then the security groups let the job in the other AZ through: the job may send HTTPS out, the endpoint admits HTTPS from a CIDR that holds the job subnet', () => {
      const groups = Object.values(template.findResources('AWS::EC2::SecurityGroup'));
      const endpointGroup = groups.find((group) => /^Interface endpoints/.test(group.Properties.GroupDescription))!;
      const rule = endpointGroup.Properties.SecurityGroupIngress.find((ingress: { FromPort: number }) => ingress.FromPort === 443);
      expect(contains(rule.CidrIp, subnets[otherAz[0]].cidr)).toBe(true);
      const jobGroup = groups.find((group) => /^Batch jobs/.test(group.Properties.GroupDescription))!;
      expect(jobGroup.Properties.SecurityGroupEgress).toContainEqual(expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 }));
    });
  });

  test('given no interfaceEndpointAzs, then each interface endpoint is in every AZ, as before', () => {
    for (const endpoint of interfaceEndpoints(synth({ egress: EgressMode.VPC_ENDPOINTS, maxAzs: 3, cidr: '10.0.0.0/24' }))) {
      expect(endpoint.Properties.SubnetIds).toHaveLength(3);
    }
  });

  test('given 2 of 3 AZs, then each endpoint is in the first 2', () => {
    for (const endpoint of interfaceEndpoints(synth({ egress: EgressMode.VPC_ENDPOINTS, maxAzs: 3, cidr: '10.0.0.0/24', interfaceEndpointAzs: 2 }))) {
      expect(endpoint.Properties.SubnetIds).toHaveLength(2);
    }
  });

  test.each([0, 3, 1.5, -1])('given %p AZs of 2, then synth fails naming the construct, the prop, the value and what is allowed', (azs) => {
    expect(() => synth({ egress: EgressMode.VPC_ENDPOINTS, cidr: '10.0.0.0/25', interfaceEndpointAzs: azs }))
      .toThrow(`PipelineNetwork 'Network': 'interfaceEndpointAzs' ${azs} is not valid; allowed: a whole number from 1 to 2 (the VPC's AZs, 'maxAzs')`);
  });

  test('given egress NAT_GATEWAY, then interfaceEndpointAzs is refused (there are no interface endpoints)', () => {
    expect(() => synth({ egress: EgressMode.NAT_GATEWAY, interfaceEndpointAzs: 1 }))
      .toThrow("PipelineNetwork 'Network': 'interfaceEndpointAzs' is only used with 'egress' VPC_ENDPOINTS, got egress NAT_GATEWAY; remove it or switch to VPC_ENDPOINTS");
  });

  test('given an existing VPC, then interfaceEndpointAzs is refused (the construct creates no endpoints there)', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Existing', { subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => new PipelineNetwork(stack, 'Network', { vpc, egress: EgressMode.VPC_ENDPOINTS, interfaceEndpointAzs: 1 }))
      .toThrow("PipelineNetwork 'Network': 'interfaceEndpointAzs' only apply to a new VPC, but 'vpc' was given; remove them or remove 'vpc'");
  });
});

test('given the interface endpoints in 1 AZ, then the network passes cdk-nag (AwsSolutions, NIST 800-53 R5)', () => {
  const stack = testStack();
  new PipelineNetwork(stack, 'Network', { egress: EgressMode.VPC_ENDPOINTS, interfaceEndpointAzs: 1 });
  expect(nagFindings(stack)).toEqual([]);
});
