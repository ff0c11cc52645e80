import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The service principal DataSync assumes roles and writes logs as. */
export const DATASYNC_SERVICE = 'datasync.amazonaws.com';

/**
 * The conditions that keep DataSync from being used as a confused deputy:
 * only DataSync acting for this account, for a DataSync resource of this
 * account and region, may use what they guard.
 */
export function datasyncSourceConditions(scope: Construct, resource = '*'): Record<string, Record<string, string>> {
  const stack = Stack.of(scope);
  return {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'datasync', resource }) },
  };
}

/**
 * A role only DataSync (for this account and region) can assume, with one
 * customer managed policy holding `statements`.
 */
export function createDataSyncRole(
  scope: Construct, id: string, description: string, statements: iam.PolicyStatement[],
): { role: iam.Role; policy: iam.ManagedPolicy } {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal(DATASYNC_SERVICE).withConditions(datasyncSourceConditions(scope)),
    description,
  });
  const policy = new iam.ManagedPolicy(scope, `${id}Policy`, {
    description,
    statements,
    roles: [role],
  });
  return { role, policy };
}
