import { RequestDenial, getDenialReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import { DeniedCall, IamCall } from './iam-call';
import { PolicyIndex } from './policy-index';

/**
 * Evaluates one call with iam-simulate against the caller's identity policies and the resource's
 * own policy, in the same account as the resource. iam-simulate applies the rules that decide
 * between them: in one account either policy may allow (an explicit deny in either wins); a KMS key
 * counts the caller's IAM policies only when its key policy allows the key's account (`:root`);
 * a service principal has no identity policies, so only the resource policy can allow it.
 * Returns undefined when the call is allowed.
 */
export async function evaluateCall(call: IamCall, policies: PolicyIndex): Promise<DeniedCall | undefined> {
  const service = !call.principal.startsWith('arn:');
  const identity = service ? { policies: [], unknown: [] } : policies.identityPolicies(call.principal);
  const resourcePolicy = policies.resourcePolicy(call.action, call.resource);
  const account = resourceAccount(call);
  const response = await runSimulation({
    request: { principal: call.principal, action: call.action, resource: { resource: call.resource, accountId: account }, contextVariables: call.context },
    identityPolicies: identity.policies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicy?.policy,
  }, {});
  if (response.resultType === 'error') {
    return { ...call, result: 'NotEvaluated', explanation: `iam-simulate rejected the request: ${response.errors.message} ${JSON.stringify(response.errors)}` };
  }
  if (response.overallResult === 'Allowed') return undefined;
  const analysis = response.resultType === 'single' ? response.result.analysis : response.results[0]?.analysis;
  const identityAllows = analysis?.identityAnalysis?.result === 'Allowed';
  const reasons = analysis ? getDenialReasons(analysis).map((denial) => describe(denial, call, resourcePolicy?.name, identityAllows)) : [];
  const considered = [
    service ? 'no identity policies (service principal)' : `identity policies: ${identity.policies.map((p) => p.name).join(', ') || 'none'}`,
    ...(identity.unknown.length > 0 ? [`attached but not known to the check: ${identity.unknown.join(', ')}`] : []),
    `resource policy: ${resourcePolicy?.name ?? 'none'}`,
  ];
  if (reasons.length === 0) {
    reasons.push(service ? `${resourcePolicy?.name ?? 'no resource policy'} does not allow ${call.principal}` : `no identity policy of ${call.principal} allows it${resourcePolicy ? ` and ${resourcePolicy.name} does not either` : ''}`);
  }
  return { ...call, result: response.overallResult, explanation: `${reasons.join('; ')} (${considered.join('; ')})` };
}

function describe(denial: RequestDenial, call: IamCall, resourcePolicyName: string | undefined, identityAllows: boolean): string {
  if (denial.denialType === 'Explicit') {
    const statement = denial.statementId ? `statement '${denial.statementId}'` : `statement #${denial.statementIndex}`;
    const policy = denial.policyType === 'resource' ? resourcePolicyName ?? 'the resource policy' : `${denial.policyType} policy ${denial.policyIdentifier ?? ''}`.trim();
    return `${statement} of ${policy} denies it`;
  }
  if (call.action.startsWith('kms:') && call.principal.startsWith('arn:') && identityAllows) {
    return `the identity policy allows it, but the key policy neither names ${call.principal} nor allows the account (:root), so KMS does not let IAM policies count`;
  }
  switch (denial.policyType) {
    case 'identity':
      return `no identity policy of ${call.principal} allows it${call.action.startsWith('kms:') ? ' and the key policy does not name it' : ''}`;
    case 'resource':
      return `${resourcePolicyName ?? 'the resource policy'} does not allow it`;
    default:
      return `implicitly denied by the ${denial.policyType} policy`;
  }
}

/** The account that owns the resource: from its ARN, else the caller's (S3 ARNs carry no account). */
function resourceAccount(call: IamCall): string {
  const fromArn = call.resource.split(':')[4];
  if (fromArn) return fromArn;
  const account = call.context['aws:SourceAccount'] ?? call.context['aws:PrincipalAccount'];
  return typeof account === 'string' ? account : call.principal.split(':')[4];
}
