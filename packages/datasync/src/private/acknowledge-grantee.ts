import { NagAcknowledgements } from '@batch-pipeline/network';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * A wildcard resource of a grant lands in the grantee's policy: acknowledge it there,
 * on the role (covering its default policy) or on the managed policy given.
 */
export function acknowledgeExecutionWildcard(grantee: iam.IGrantable, resource: string, reason: string): void {
  for (const holder of new Set<unknown>([grantee, grantee.grantPrincipal])) {
    if (Construct.isConstruct(holder)) {
      NagAcknowledgements.acknowledgeWildcardResource(holder, resource, reason);
    }
  }
}
