import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** The NFS port that EFS mount targets listen on. */
const NFS_PORT = 2049;

/** The two rules that let `peer` reach the mount targets behind `fileSystemGroup` over NFS. */
export interface NfsRules {
  /** The group of the mount targets. */
  readonly fileSystemGroup: ec2.ISecurityGroup;
  /** The group that reaches them. */
  readonly peer: ec2.ISecurityGroup;
  /** The VPC of the mount targets: its stack is one every stack with a group in it depends on. */
  readonly vpc: ec2.IVpc;
  /** Description of the ingress rule on `fileSystemGroup`. */
  readonly ingressDescription: string;
  /** Description of the egress rule on `peer`. */
  readonly egressDescription: string;
}

/**
 * NFS access to EFS mount targets, for every pipeline construct that opens it
 * (the network, the file system): one place that decides which stack holds the rules.
 */
export class NfsAccess {
  /**
   * Adds the ingress rule on the file-system group and the egress rule on the peer,
   * both in one stack, so that two stacks never reference each other's group.
 *
   *
   * In one stack the rules are what `addIngressRule` / `addEgressRule` always made
   * (same logical ids). Across stacks they go into the peer's stack (the consumer's:
   * it already depends on the file system), except when the peer is in the VPC's
   * stack, which the file system's stack depends on: then into the file system's.
   * `remoteRule` is what makes aws-cdk-lib put a rule under the other group
   * (`SecurityGroupBase.determineRuleScope`); it changes nothing within one stack.
   */
  public static allow(rules: NfsRules): void {
    const { fileSystemGroup, peer } = rules;
    const peerStack = Stack.of(peer);
    const inPeerStack = peerStack !== Stack.of(fileSystemGroup) && peerStack !== Stack.of(rules.vpc);
    fileSystemGroup.addIngressRule(peer, ec2.Port.tcp(NFS_PORT), rules.ingressDescription, inPeerStack);
    peer.addEgressRule(fileSystemGroup, ec2.Port.tcp(NFS_PORT), rules.egressDescription, !inPeerStack);
  }

  private constructor() {}
}
