/**
 * One AWS request that a principal's code (or an AWS service acting for the stack) makes at run time,
 * as the IAM check derives it from a synthesized template.
 */
export interface IamCall {
  /** The caller: a role ARN (`arn:aws:iam::123456789012:role/...`) or a service principal (`events.amazonaws.com`). */
  readonly principal: string;
  /** The IAM action, `service:Action`. */
  readonly action: string;
  /** The ARN the request is authorized against (`*` for actions without a resource type). */
  readonly resource: string;
  /** The request context keys the evaluator sees, besides the principal, action and resource (a list for multivalued keys such as aws:TagKeys). */
  readonly context: Record<string, string | string[]>;
  /** Why the code makes this call: the construct (logical id) and, for a state machine, the state. */
  readonly reason: string;
}

/** A call the template's policies do not allow, with the evaluator's explanation. */
export interface DeniedCall extends IamCall {
  /** `ImplicitlyDenied`, `ExplicitlyDenied`, or `NotEvaluated` when the call could not be simulated. */
  readonly result: string;
  /** Which policy denied it (or allowed nothing), in words. */
  readonly explanation: string;
}

/** What the check found: every call it evaluated, and those that were not allowed. */
export interface IamCheckResult {
  readonly checked: IamCall[];
  readonly denied: DeniedCall[];
}

/** A call a function's handler code makes, which the template cannot show. */
export interface CodeCall {
  /** The function whose code makes it: the start of its logical id, such as 'PipelineWorkspaceFunction'. */
  readonly functionLogicalIdPrefix: string;
  /** The IAM action, `service:Action`. */
  readonly action: string;
  /** The resource as the template writes values: a string or an intrinsic (`stack.resolve(bucket.arnForObjects('a.csv'))`). */
  readonly resource: unknown;
  /** Extra request context keys. */
  readonly context?: Record<string, string>;
  /** Which code makes it and why. */
  readonly reason: string;
}

/** Where the check places the template's resources when the template leaves them unresolved. */
export interface IamCheckOptions {
  /**
   * Calls that handler code makes, checked like the derived ones.
   *
   * @default - none
   */
  readonly codeCalls?: readonly CodeCall[];
  /**
   * The account of `AWS::AccountId` references.
   *
   * @default '123456789012' (the tests' TEST_ENV)
   */
  readonly account?: string;
  /**
   * The region of `AWS::Region` references.
   *
   * @default 'eu-west-2' (the tests' TEST_ENV)
   */
  readonly region?: string;
}

/**
 * A call whose resource could not be worked out from the template (for example a JSONPath
 * value that no earlier state produces). It is reported as denied: an unknown call is not an allowed one.
 */
export interface UnresolvedCall {
  readonly principal: string;
  readonly action: string;
  readonly reason: string;
  readonly problem: string;
}
