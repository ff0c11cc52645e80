import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { EgressMode } from '../egress-mode';

/** AWS allows subnets from /16 to /28; a VPC CIDR block must lie in that range too. */
export const SMALLEST_SUBNET_PREFIX = 28;
export const LARGEST_VPC_PREFIX = 16;

export interface SubnetGroupPlan {
  readonly name: string;
  readonly subnetType: ec2.SubnetType;
}

/** The subnet groups each egress mode needs, in the order they are carved out of the CIDR. */
export function subnetGroupsFor(egress: EgressMode): SubnetGroupPlan[] {
  switch (egress) {
    case EgressMode.NAT_GATEWAY:
      return [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ];
    case EgressMode.VPC_ENDPOINTS:
      return [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }];
    case EgressMode.PUBLIC_SUBNETS:
      // EFS mount targets and DataSync network interfaces still live in private subnets.
      return [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ];
  }
}

/** Parses `a.b.c.d/n`, returning the prefix length, or undefined when the text is not an IPv4 CIDR block. */
export function parseIpv4CidrPrefix(cidr: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) {
    return undefined;
  }
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) {
    return undefined;
  }
  return prefix;
}

/**
 * The prefix length of every subnet when the VPC CIDR is split evenly into
 * `subnetCount` subnets (rounded up to a power of two).
 */
export function subnetPrefixFor(vpcPrefix: number, subnetCount: number): number {
  return vpcPrefix + Math.ceil(Math.log2(subnetCount));
}
