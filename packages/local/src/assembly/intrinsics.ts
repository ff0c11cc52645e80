/**
 * CloudFormation intrinsic functions, resolved to local values. A reference to a
 * resource becomes the local identifier the runtime gives it (`LocalIdentifiers`),
 * a pseudo parameter the stack's account and region.
 */

import { createHash } from 'node:crypto';
import { LocalRuntimeError } from '../runtime/local-runtime-error';

/** Answers `Ref` and `Fn::GetAtt` for the resources of one template. */
export interface ReferenceResolver {
  /** `{ Ref: logicalId }` of a resource or parameter, or undefined when the template has no such thing. */
  ref(logicalId: string): string | undefined;
  /** `{ 'Fn::GetAtt': [logicalId, attribute] }`, or undefined when the template has no such resource. */
  getAtt(logicalId: string, attribute: string): string | undefined;
}

export interface IntrinsicContext {
  readonly region: string;
  readonly account: string;
  readonly references: ReferenceResolver;
  /** Where the value is, for messages (`BatchPipelineExample/TriggerFunction Environment`). */
  readonly where: string;
}

/**
 * An intrinsic the runtime cannot resolve, with where it was: a mistake the user can act on
 * (the CLI prints it with what to do), not a crash.
 */
export class UnresolvableIntrinsicError extends LocalRuntimeError {
  public constructor(where: string, detail: string) {
    super(`${where}: ${detail}`,
      'the local runtime resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split and Fn::Base64 within one stack; '
      + 'give what the pipeline reads (environment, definition, job definition) values from its own stack, without imports or conditions');
    this.name = 'UnresolvableIntrinsicError';
  }
}

function pseudoParameter(name: string, context: IntrinsicContext): string | undefined {
  switch (name) {
    case 'AWS::Partition': return 'aws';
    case 'AWS::Region': return context.region;
    case 'AWS::AccountId': return context.account;
    case 'AWS::URLSuffix': return 'amazonaws.com';
    case 'AWS::StackName': return context.where.split('/')[0];
    case 'AWS::StackId': {
      // arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>, the uuid stable for the stack.
      const stackName = context.where.split('/')[0];
      const hex = createHash('sha256').update(`${context.account}/${context.region}/${stackName}`).digest('hex');
      const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
      return `arn:aws:cloudformation:${context.region}:${context.account}:stack/${stackName}/${uuid}`;
    }
    case 'AWS::NoValue': return undefined;
    default: return undefined;
  }
}

function resolveRef(name: string, context: IntrinsicContext): string {
  const value = name.startsWith('AWS::') ? pseudoParameter(name, context) : context.references.ref(name);
  if (value === undefined) {
    throw new UnresolvableIntrinsicError(context.where, `Ref to '${name}', which the template does not define`);
  }
  return value;
}

function resolveGetAtt(logicalId: string, attribute: string, context: IntrinsicContext): string {
  const value = context.references.getAtt(logicalId, attribute);
  if (value === undefined) {
    throw new UnresolvableIntrinsicError(context.where, `Fn::GetAtt of '${logicalId}.${attribute}', which the template does not define`);
  }
  return value;
}

/** `Fn::Sub`: `${Name}`, `${Resource.Attribute}` and `${!Literal}` in a string, with optional variables. */
function resolveSub(template: string, variables: Record<string, unknown>, context: IntrinsicContext): string {
  return template.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
    if (expression.startsWith('!')) {
      return `\${${expression.slice(1)}}`;
    }
    if (Object.hasOwn(variables, expression)) {
      return String(resolveValue(variables[expression], context));
    }
    if (expression.includes('.') && !expression.startsWith('AWS::')) {
      const [logicalId, ...attribute] = expression.split('.');
      return resolveGetAtt(logicalId, attribute.join('.'), context);
    }
    return resolveRef(expression, context);
  });
}

/**
 * Resolves every intrinsic in a template value: Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
 * Fn::Select, Fn::Split, Fn::Base64. Plain values come back unchanged.
 */
export function resolveValue(value: unknown, context: IntrinsicContext): any {
  if (Array.isArray(value)) {
    return value.map((item) => resolveValue(item, context));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [name, argument] = entries[0];
    switch (name) {
      case 'Ref':
        return resolveRef(argument as string, context);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof argument === 'string' ? argument.split(/\.(.*)/s) : argument as [string, unknown];
        return resolveGetAtt(logicalId, String(resolveValue(attribute, context)), context);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown];
        const items = resolveValue(parts, context);
        if (!Array.isArray(items)) {
          throw new UnresolvableIntrinsicError(context.where, `Fn::Join of ${JSON.stringify(items)}, which is not a list`);
        }
        return items.join(separator);
      }
      case 'Fn::Sub':
        return Array.isArray(argument)
          ? resolveSub(argument[0] as string, argument[1] as Record<string, unknown>, context)
          : resolveSub(argument as string, {}, context);
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        const items = resolveValue(list, context) as unknown[];
        const position = Number(resolveValue(index, context));
        if (!Array.isArray(items) || !Number.isInteger(position) || position < 0 || position >= items.length) {
          // CloudFormation refuses an index outside the list ("Fn::Select cannot select nonexistent value").
          throw new UnresolvableIntrinsicError(context.where, `Fn::Select index ${String(position)} is outside the list of `
            + `${Array.isArray(items) ? items.length : 0}`);
        }
        return items[position];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(resolveValue(text, context)).split(separator);
      }
      case 'Fn::Base64':
        return Buffer.from(String(resolveValue(argument, context)), 'utf-8').toString('base64');
      default:
        if (name.startsWith('Fn::')) {
          throw new UnresolvableIntrinsicError(context.where, `${name} is not something the local runtime resolves`);
        }
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveValue(item, context)]));
}
