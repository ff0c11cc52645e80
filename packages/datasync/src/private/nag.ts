import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Flattens a resolved CloudFormation value the way cdk-nag names it in a
 * finding: `Fn::GetAtt` becomes `<Logical.Attribute>`, `Ref` becomes `<Logical>`,
 * `Fn::Join` is joined, and `${...}` in strings becomes `<...>`.
 */
function flatten(value: unknown): string {
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value.replace(/\$\{/g, '<').replace(/}/g, '>');
  }
  const node = value as Record<string, any>;
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (node['Fn::Sub']) {
    return flatten(node['Fn::Sub']);
  }
  if (node['Fn::GetAtt']) {
    const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (node['Fn::ImportValue']) {
    return flatten(node['Fn::ImportValue']);
  }
  if (node.Ref) {
    return `<${flatten(node.Ref)}>`;
  }
  return JSON.stringify(node);
}

/**
 * The id of the cdk-nag `AwsSolutions-IAM5` finding for a wildcard resource,
 * as `Validations.acknowledge` needs it: `AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]`.
 */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

/**
 * Acknowledges the `AwsSolutions-IAM5` finding for one wildcard resource on `scope`.
 *
 * `Validations.acknowledge` reserves `::` as its prefix separator, so an id whose
 * flattened ARN itself holds `::` (`arn:<AWS::Partition>:s3:::bucket/*`, as imported
 * buckets have) cannot go through it; such an id is recorded in the same
 * acknowledged-rules metadata that `Validations` writes and cdk-nag reads.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const id = wildcardResourceFinding(scope, resource);
  if (id.split('::').length === 2) {
    Validations.of(scope).acknowledge({ id, reason });
  } else {
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
  }
}
