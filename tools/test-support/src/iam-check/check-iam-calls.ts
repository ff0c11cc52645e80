import { batchCalls } from './batch-calls';
import { CallList } from './call-list';
import { codeCalls } from './code-calls';
import { dataSyncCalls } from './datasync-calls';
import { evaluateCall } from './evaluate-call';
import { functionCalls } from './function-calls';
import { DeniedCall, IamCall, IamCheckOptions, IamCheckResult } from './iam-call';
import { PolicyIndex } from './policy-index';
import { servicePublisherCalls } from './service-publisher-calls';
import { stateMachineCalls } from './state-machine-calls';
import { TemplateSet } from './template-set';

/**
 * Derives every AWS call the principals of the templates make at run time (state machine tasks,
 * functions, Batch jobs, DataSync locations, services delivering events and alarms) and evaluates
 * each against the identity policies and the resource policies of the templates.
 *
 * Pass the templates of every stack the calls cross (an app's stacks), first the stack under test:
 * `Fn::ImportValue` is resolved through the exports of the others.
 *
 * @example
 *   const { checked, denied } = await checkIamCalls(Template.fromStack(stack).toJSON());
 *   expect(denied).toEqual([]);
 */
export async function checkIamCalls(templates: Record<string, any> | Record<string, any>[], options: IamCheckOptions = {}): Promise<IamCheckResult> {
  const set = new TemplateSet(Array.isArray(templates) ? templates : [templates], {
    account: options.account ?? '123456789012',
    region: options.region ?? 'eu-west-2',
  });
  const calls = deriveIamCalls(set);
  codeCalls(calls, options.codeCalls ?? []);
  const policies = new PolicyIndex(set);
  const checked = distinct(calls.calls);
  const denied: DeniedCall[] = [];
  for (const call of checked) {
    const result = await evaluateCall(call, policies);
    if (result) denied.push(result);
  }
  for (const unresolved of calls.unresolved) {
    denied.push({ principal: unresolved.principal, action: unresolved.action, resource: '(unknown)', context: {}, reason: unresolved.reason, result: 'NotEvaluated', explanation: unresolved.problem });
  }
  return { checked, denied };
}

/** Every call the templates' principals make, without evaluating them. */
export function deriveIamCalls(set: TemplateSet): CallList {
  const calls = new CallList(set);
  stateMachineCalls(calls);
  functionCalls(calls);
  batchCalls(calls);
  dataSyncCalls(calls);
  servicePublisherCalls(calls);
  return calls;
}

/** One entry per principal, action, resource and context; the reasons of duplicates are joined. */
function distinct(calls: IamCall[]): IamCall[] {
  const byKey = new Map<string, IamCall>();
  for (const call of calls) {
    const key = JSON.stringify([call.principal, call.action, call.resource, call.context]);
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, reason: seen.reason.split('; ').includes(call.reason) ? seen.reason : `${seen.reason}; ${call.reason}` } : call);
  }
  return [...byKey.values()];
}
