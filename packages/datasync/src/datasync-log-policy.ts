import { Aws, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { DATASYNC_SERVICE, datasyncSourceConditions } from './private/service-role';

/** The id of the one policy per stack that `DataSyncLogPolicy.of` creates. */
const SINGLETON_ID = 'DataSyncLogPolicy';

/**
 * The longest value a token in the policy document can resolve to, by kind: the
 * partition (`aws-us-gov`), the region, the account, and anything else, which in
 * this document is a log group ARN (at most 562 characters, the maximum of
 * `AWS::DataSync::Task` `CloudWatchLogGroupArn`).
 */
const WORST_CASE_LENGTH: Record<string, number> = {
  'AWS::Partition': 10,
  'AWS::Region': 20,
  'AWS::AccountId': 12,
  'AWS::URLSuffix': 20,
  'AWS::StackName': 128,
};
const WORST_CASE_LOG_GROUP_ARN = 562;

export interface DataSyncLogPolicyProps {
  /**
   * Log groups DataSync may write task logs to; more can be added with `allowLogGroup`.
   *
   * @default - none until `allowLogGroup` is called
   */
  readonly logGroups?: logs.ILogGroup[];
}

/**
 * The one CloudWatch Logs resource policy of a stack that lets DataSync write
 * task logs (`logs:CreateLogStream`, `logs:PutLogEvents`) to the log groups of
 * that stack's DataSync tasks, and to nothing else: one statement lists every
 * log group, and only DataSync tasks of this account and region
 * (`aws:SourceAccount`, `aws:SourceArn`) may use it.
 *
 * `AWS::Logs::ResourcePolicy` is an account-level resource (at most 10 per account
 * and region) with no `ResourceArn`, so every `TransferTask` of a stack adds its
 * log group here (`DataSyncLogPolicy.of(this)`) instead of creating its own policy.
 * The document must stay within 5,120 characters; synthesis fails, naming the
 * number of log groups, when its worst-case length is longer.
 *
 * @example
 * declare const logGroup: logs.ILogGroup;
 * DataSyncLogPolicy.of(this).allowLogGroup(logGroup);
 */
export class DataSyncLogPolicy extends Construct {
  /** The longest `PolicyDocument` CloudFormation accepts for `AWS::Logs::ResourcePolicy`, in characters. */
  public static readonly MAX_DOCUMENT_LENGTH = 5120;

  /** The policy of the stack of `scope`, created the first time it is asked for. */
  public static of(scope: IConstruct): DataSyncLogPolicy {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(SINGLETON_ID);
    if (existing instanceof DataSyncLogPolicy) {
      return existing;
    }
    if (existing) {
      throw new Error(`DataSyncLogPolicy.of: ${stack.node.path} already has a child '${SINGLETON_ID}' that is not a DataSyncLogPolicy; allowed: `
        + "no other construct with that id at the stack's root");
    }
    return new DataSyncLogPolicy(stack, SINGLETON_ID);
  }

  /** The `AWS::Logs::ResourcePolicy`; tasks that log depend on it. */
  public readonly resourcePolicy: logs.ResourcePolicy;

  private readonly statement: iam.PolicyStatement;
  private readonly logGroupArns: string[] = [];

  constructor(scope: Construct, id: string, props: DataSyncLogPolicyProps = {}) {
    super(scope, id);
    this.statement = new iam.PolicyStatement({
      sid: 'DataSyncLogsToCloudWatchLogs',
      principals: [new iam.ServicePrincipal(DATASYNC_SERVICE)],
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      conditions: datasyncSourceConditions(this, 'task/*'),
    });
    // The name must be unique in the account and region, like the stack's own name.
    this.resourcePolicy = new logs.ResourcePolicy(this, 'Resource', {
      resourcePolicyName: `${Aws.STACK_NAME}-DataSyncTaskLogs`,
      policyStatements: [this.statement],
    });
    for (const logGroup of props.logGroups ?? []) {
      this.allowLogGroup(logGroup);
    }
    this.node.addValidation({ validate: () => this.validateDocument() });
  }

  /** The log group ARNs the policy covers, in the order they were added. */
  public get logGroupArnsAllowed(): string[] {
    return [...this.logGroupArns];
  }

  /** Lets DataSync tasks of this account and region write task logs to `logGroup`. */
  public allowLogGroup(logGroup: logs.ILogGroup): void {
    const arn = logGroup.logGroupArn;
    const key = JSON.stringify(Stack.of(this).resolve(arn));
    if (this.logGroupArns.some((known) => JSON.stringify(Stack.of(this).resolve(known)) === key)) {
      return;
    }
    this.logGroupArns.push(arn);
    this.statement.addResources(arn);
  }

  /**
   * The longest the policy document can be once CloudFormation resolves it: its
   * literal characters plus the longest value of each token in it.
   */
  public worstCaseDocumentLength(): number {
    const cfn = this.resourcePolicy.node.defaultChild as logs.CfnResourcePolicy;
    const resolved = Stack.of(this).resolve(cfn.policyDocument);
    return worstCaseLength(resolved);
  }

  private validateDocument(): string[] {
    const who = `DataSyncLogPolicy '${this.node.id}'`;
    if (this.logGroupArns.length === 0) {
      return [`${who}: 'logGroups' is empty; allowed: at least one log group, added with allowLogGroup`];
    }
    const length = this.worstCaseDocumentLength();
    if (length > DataSyncLogPolicy.MAX_DOCUMENT_LENGTH) {
      return [`${who}: the policy document for ${this.logGroupArns.length} log groups can be up to ${length} characters long; allowed: `
        + `at most ${DataSyncLogPolicy.MAX_DOCUMENT_LENGTH} characters (AWS::Logs::ResourcePolicy PolicyDocument). Give several tasks the `
        + "same 'logGroup'"];
    }
    return [];
  }
}

function worstCaseLength(value: unknown): number {
  if (typeof value === 'string') {
    return Token.isUnresolved(value) ? WORST_CASE_LOG_GROUP_ARN : value.length;
  }
  if (typeof value !== 'object' || value === null) {
    return String(value).length;
  }
  const record = value as Record<string, unknown>;
  const join = record['Fn::Join'] as [string, unknown[]] | undefined;
  if (Array.isArray(join) && Array.isArray(join[1])) {
    const parts = join[1];
    return parts.reduce<number>((sum, part) => sum + worstCaseLength(part), 0) + join[0].length * Math.max(0, parts.length - 1);
  }
  const ref = record.Ref;
  if (typeof ref === 'string' && WORST_CASE_LENGTH[ref] !== undefined) {
    return WORST_CASE_LENGTH[ref];
  }
  return WORST_CASE_LOG_GROUP_ARN;
}
