import { Template } from 'aws-cdk-lib/assertions';

/** Placeholder values for the pseudo parameters a definition refers to. */
const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'eu-west-2',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Names a local run gives resources, by logical id: a bucket's Ref becomes the local bucket's name. */
export type LocalNames = (logicalId: string) => string | undefined;

/** A resource reference made into a readable stand-in (`<Logical.Attribute>`), or the local name given for it. */
function resolveIntrinsic(part: unknown, names: LocalNames): string {
  if (typeof part === 'string') {
    return part;
  }
  const intrinsic = part as { 'Ref'?: string; 'Fn::GetAtt'?: [string, string] };
  if (intrinsic.Ref) {
    return PSEUDO_PARAMETERS[intrinsic.Ref] ?? names(intrinsic.Ref) ?? `<${intrinsic.Ref}>`;
  }
  if (intrinsic['Fn::GetAtt']) {
    return `<${intrinsic['Fn::GetAtt'][0]}.${intrinsic['Fn::GetAtt'][1]}>`;
  }
  throw new Error(`synthesized definition: unsupported intrinsic ${JSON.stringify(part)}`);
}

/**
 * The Amazon States Language definition exactly as the stack template holds it,
 * with references to other resources replaced by readable stand-ins.
 */
export function synthesizedDefinition(template: Template, names: LocalNames = () => undefined): Record<string, any> {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  if (machines.length !== 1) {
    throw new Error(`synthesized definition: expected one state machine in the template, found ${machines.length}`);
  }
  const definition = machines[0].Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof definition === 'string' ? definition : definition['Fn::Join'][1].map((part) => resolveIntrinsic(part, names)).join(definition['Fn::Join'][0]);
  return JSON.parse(text);
}
