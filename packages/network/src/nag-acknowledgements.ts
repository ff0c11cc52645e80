import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag findings that name a resource, as every pipeline
 * package needs to for its few unavoidable wildcards.
 *
 * cdk-nag names a granular finding after the resolved resource, with
 * CloudFormation intrinsics written flat: `AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]`.
 * `Validations.acknowledge` reserves `::` as a separator, so an id whose
 * resource itself holds `::` (any ARN built with `${AWS::Partition}`) cannot
 * go through it; such an id is recorded in the same construct metadata that
 * `Validations` writes and cdk-nag reads.
 */
export class NagAcknowledgements {
  /**
   * The text cdk-nag uses for a resource value: `Fn::GetAtt` as `<Logical.Attribute>`,
   * `Ref` as `<Logical>`, `Fn::Join` joined, `${...}` of `Fn::Sub` as `<...>`.
   */
  public static resourceText(scope: IConstruct, value: string): string {
    return flatten(Stack.of(scope).resolve(value));
  }

  /** The id of the `AwsSolutions-IAM5` finding for one wildcard resource. */
  public static wildcardResourceFinding(scope: IConstruct, resource: string): string {
    return `AwsSolutions-IAM5[Resource::${NagAcknowledgements.resourceText(scope, resource)}]`;
  }

  /** Acknowledges the finding `id` on `scope`, whatever its resource text holds. */
  public static acknowledge(scope: IConstruct, id: string, reason: string): void {
    if (id.split('::').length <= 2) {
      Validations.of(scope).acknowledge({ id, reason });
    } else {
      scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
    }
  }

  /** Acknowledges the `AwsSolutions-IAM5` finding for one wildcard resource on `scope`. */
  public static acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
    NagAcknowledgements.acknowledge(scope, NagAcknowledgements.wildcardResourceFinding(scope, resource), reason);
  }

  private constructor() {}
}

function flatten(node: unknown): string {
  if (node === undefined) {
    return '';
  }
  if (typeof node === 'string') {
    return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  }
  const intrinsic = node as Record<string, unknown>;
  if (intrinsic['Fn::Join']) {
    const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (intrinsic['Fn::Sub']) {
    return flatten(intrinsic['Fn::Sub']);
  }
  if (intrinsic['Fn::GetAtt']) {
    const [resource, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (intrinsic['Fn::ImportValue']) {
    return flatten(intrinsic['Fn::ImportValue']);
  }
  if (intrinsic.Ref) {
    return `<${flatten(intrinsic.Ref)}>`;
  }
  return JSON.stringify(node);
}
