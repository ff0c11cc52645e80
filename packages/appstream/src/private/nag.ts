import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The text cdk-nag uses for a resource in its granular findings
 * (`AwsSolutions-IAM5[Resource::<text>]`): CloudFormation intrinsics written
 * flat, `{ "Fn::GetAtt": ["Bucket", "Arn"] }` as `<Bucket.Arn>`, `{ "Ref": "X" }`
 * as `<X>`, `Fn::Join` joined and `${...}` of `Fn::Sub` as `<...>`.
 */
export function nagResourceText(stack: Stack, value: string): string {
  return flatten(stack.resolve(value));
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

/**
 * Acknowledges one cdk-nag finding on `scope` with its reason.
 *
 * `Validations.acknowledge` rejects ids with more than one `::`, yet granular
 * findings on ARNs built with pseudo parameters contain them
 * (`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::bucket/*]`). Those are
 * recorded in the same construct metadata that `acknowledge` writes and cdk-nag reads.
 */
export function acknowledgeNagFinding(scope: IConstruct, id: string, reason: string): void {
  if (id.split('::').length <= 2) {
    Validations.of(scope).acknowledge({ id, reason });
    return;
  }
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
}
