import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** AWS reserves the first four and the last address of every subnet. */
export const RESERVED_ADDRESSES_PER_SUBNET = 5;
/** An EFS mount target per AZ and the workspace function's Lambda interface, per shared subnet. */
const OTHER_INTERFACES_PER_SHARED_SUBNET = 2;
/** Two DataSync tasks (stage in, stage out) with an EFS location take 2 network interfaces each. */
const DATASYNC_INTERFACES = 4;

/** The addresses of the job subnets that jobs can use. */
export interface SubnetCapacity {
  /** Usable addresses of the job subnets, summed (each subnet's size minus the 5 AWS reserves). */
  readonly addresses: number;
  /** Addresses of those that other network interfaces take. */
  readonly reserved: number;
  /** The subnets as they read in messages, for example `2 x /27`. */
  readonly description: string;
}

/**
 * The usable addresses of the selected subnets, or undefined when they are not
 * all known at synth time (a pending lookup, an imported subnet without its
 * CIDR block, a token): a partial sum would understate the capacity.
 */
export function subnetCapacityOf(vpc: ec2.IVpc, selection: ec2.SubnetSelection): SubnetCapacity | undefined {
  const subnets = selectedSubnets(vpc, selection);
  if (!subnets || subnets.length === 0) {
    return undefined;
  }
  const prefixes: number[] = [];
  for (const subnet of subnets) {
    const prefix = prefixOf(subnet);
    if (prefix === undefined) {
      return undefined;
    }
    prefixes.push(prefix);
  }
  const addresses = prefixes.reduce((sum, prefix) => sum + 2 ** (32 - prefix) - RESERVED_ADDRESSES_PER_SUBNET, 0);
  const counts = new Map<number, number>();
  for (const prefix of [...prefixes].sort((a, b) => a - b)) {
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
  }
  const description = [...counts.entries()].map(([prefix, count]) => `${count} x /${prefix}`).join(' + ');
  return { addresses, reserved: 0, description };
}

/**
 * What other pipeline network interfaces take in the job subnets that are also
 * private subnets (NAT_GATEWAY and VPC_ENDPOINTS modes): per shared subnet an
 * EFS mount target, a Lambda interface and one per interface endpoint, plus the
 * DataSync tasks' interfaces. 0 when no job subnet is a private subnet.
 */
export function reservedAddressesFor(
  vpc: ec2.IVpc,
  jobSubnets: ec2.SubnetSelection,
  privateSubnets: ec2.SubnetSelection,
  interfaceEndpoints: number,
): number {
  const jobs = selectedSubnets(vpc, jobSubnets) ?? [];
  const privateIds = new Set((selectedSubnets(vpc, privateSubnets) ?? []).map((subnet) => subnet.subnetId));
  const shared = jobs.filter((subnet) => privateIds.has(subnet.subnetId)).length;
  if (shared === 0) {
    return 0;
  }
  return shared * (OTHER_INTERFACES_PER_SHARED_SUBNET + interfaceEndpoints) + DATASYNC_INTERFACES;
}

function selectedSubnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection): ec2.ISubnet[] | undefined {
  try {
    const selected = vpc.selectSubnets(selection);
    return selected.isPendingLookup ? undefined : selected.subnets;
  } catch {
    // The compute environment reports a selection that finds nothing.
    return undefined;
  }
}

function prefixOf(subnet: ec2.ISubnet): number | undefined {
  let cidr: string | undefined;
  try {
    cidr = subnet.ipv4CidrBlock;
  } catch {
    // An imported subnet without `ipv4CidrBlock` throws when asked for it.
    return undefined;
  }
  if (!cidr || Token.isUnresolved(cidr)) {
    return undefined;
  }
  const match = /^\d{1,3}(?:\.\d{1,3}){3}\/(\d{1,2})$/.exec(cidr);
  const prefix = match ? Number(match[1]) : undefined;
  return prefix !== undefined && prefix >= 16 && prefix <= 28 ? prefix : undefined;
}
