import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';

/** The one resource of `type` whose logical id starts with `prefix`. */
export function resourceStartingWith(template: Template, type: string, prefix: string): any {
  const matches = Object.entries(template.findResources(type)).filter(([logicalId]) => logicalId.startsWith(prefix));
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} starting with ${prefix}, found ${matches.map(([logicalId]) => logicalId).join(', ') || 'none'}`);
  }
  return matches[0][1];
}

/** The statements of the managed policy whose logical id starts with `prefix`. */
export function managedPolicyStatements(template: Template, prefix: string): unknown[] {
  return resourceStartingWith(template, 'AWS::IAM::ManagedPolicy', prefix).Properties.PolicyDocument.Statement;
}

/** How CloudFormation will see a value (tokens resolved in `scope`'s stack). */
export function cfn(scope: IConstruct, value: unknown): any {
  return Stack.of(scope).resolve(value);
}

/** The trust policy every DataSync role in this package has. */
export const DATASYNC_TRUST = [{
  Action: 'sts:AssumeRole',
  Effect: 'Allow',
  Principal: { Service: 'datasync.amazonaws.com' },
  Condition: {
    StringEquals: { 'aws:SourceAccount': '123456789012' },
    ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':datasync:eu-west-2:123456789012:*']] } },
  },
}];

/**
 * The document of the stack's one AWS::Logs::ResourcePolicy, parsed, with each
 * CloudFormation intrinsic in it shown as its JSON with single quotes.
 */
export function logPolicyDocument(template: Template): any {
  const policies = Object.values(template.findResources('AWS::Logs::ResourcePolicy'));
  expect(policies).toHaveLength(1);
  const document = policies[0].Properties.PolicyDocument;
  const text = typeof document === 'string'
    ? document
    : document['Fn::Join'][1].map((part: unknown) => typeof part === 'string' ? part : JSON.stringify(part).replace(/"/g, "'")).join('');
  return JSON.parse(text);
}
