import { AWS_MANAGED_POLICIES, awsManagedPolicyName } from './aws-managed-policies';
import { TemplateSet } from './template-set';

/** A policy document with the name the evaluator reports it under. */
export interface NamedPolicy {
  readonly name: string;
  readonly policy: any;
}

/** The identity policies of one principal, and the attached policies whose content is unknown. */
export interface IdentityPolicies {
  readonly policies: NamedPolicy[];
  readonly unknown: string[];
}

/**
 * The EFS file system policy that applies when a file system has none: every client that can reach
 * a mount target may mount, write and act as root (EFS documentation, "Default EFS file system policy").
 */
const DEFAULT_FILE_SYSTEM_POLICY = (fileSystemArn: string) => ({
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: ['elasticfilesystem:ClientRootAccess', 'elasticfilesystem:ClientWrite', 'elasticfilesystem:ClientMount'],
    Resource: fileSystemArn,
  }],
});

/** The SNS topic policy a topic has until a TopicPolicy replaces it: the owner account's principals may use it. */
const DEFAULT_TOPIC_POLICY = (topicArn: string, account: string) => ({
  Version: '2012-10-17',
  Statement: [{
    Sid: '__default_statement_ID',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic', 'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
    Resource: topicArn,
    Condition: { StringEquals: { 'AWS:SourceOwner': account } },
  }],
});

/** The key policy KMS gives a key created without one: the key's account (and so its IAM policies) may use it. */
const DEFAULT_KEY_POLICY = (account: string) => ({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
});

/**
 * Every policy of the templates, by whom it is attached to: identity policies by role ARN, resource
 * policies by the ARN of the resource that carries them.
 */
export class PolicyIndex {
  private readonly identity = new Map<string, NamedPolicy[]>();
  private readonly unknownManaged = new Map<string, string[]>();
  private readonly resourcePolicies = new Map<string, any[]>();
  private readonly logsPolicies: any[] = [];

  constructor(private readonly set: TemplateSet) {
    this.indexIdentityPolicies();
    this.indexResourcePolicies();
  }

  /** The identity policies attached to a role (none for a service principal). */
  public identityPolicies(principal: string): IdentityPolicies {
    return { policies: this.identity.get(principal) ?? [], unknown: this.unknownManaged.get(principal) ?? [] };
  }

  /**
   * The resource policy that applies to a request on `resource`, or undefined when the resource
   * has none (or is not defined by the templates). Where AWS applies a default policy to a resource
   * the template defines without one (EFS, SNS, KMS), that default is returned.
   */
  public resourcePolicy(action: string, resource: string): NamedPolicy | undefined {
    const service = action.split(':')[0].toLowerCase();
    const owner = this.owningResource(service, resource);
    if (service === 'logs') {
      return this.logsPolicies.length > 0 ? { name: 'AWS::Logs::ResourcePolicy (account)', policy: merge(this.logsPolicies) } : undefined;
    }
    if (owner === undefined) {
      // A key outside the templates: assume the key policy KMS writes by default.
      return service === 'kms' && resource.includes(':key/') ? { name: 'default key policy (key not in the templates)', policy: DEFAULT_KEY_POLICY(resource.split(':')[4]) } : undefined;
    }
    const documents = this.resourcePolicies.get(owner);
    if (documents && documents.length > 0) return { name: `resource policy of ${owner}`, policy: merge(documents) };
    const found = this.set.find(owner);
    if (found?.type === 'AWS::EFS::FileSystem') return { name: `default file system policy of ${owner}`, policy: DEFAULT_FILE_SYSTEM_POLICY(owner) };
    if (found?.type === 'AWS::SNS::Topic') return { name: `default topic policy of ${owner}`, policy: DEFAULT_TOPIC_POLICY(owner, this.set.place.account) };
    if (found?.type === 'AWS::KMS::Key') return { name: `default key policy of ${owner}`, policy: DEFAULT_KEY_POLICY(this.set.place.account) };
    return undefined;
  }

  /** The ARN of the template resource whose policy governs a request on `resource`. */
  private owningResource(service: string, resource: string): string | undefined {
    let arn = resource;
    if (service === 's3') arn = `arn:aws:s3:::${resource.replace(/^arn:aws:s3:::/, '').split('/')[0]}`;
    if (service === 'lambda') arn = resource.split(':').slice(0, 7).join(':');
    return this.set.find(arn) ? arn : undefined;
  }

  private addIdentity(roleArn: string, policy: NamedPolicy) {
    this.identity.set(roleArn, [...(this.identity.get(roleArn) ?? []), policy]);
  }

  private roleArn(roleName: string): string {
    const role = this.set.find(roleName, 'AWS::IAM::Role');
    return role ? this.set.attribute(role, 'Arn') : `arn:aws:iam::${this.set.place.account}:role/${roleName}`;
  }

  private indexIdentityPolicies() {
    const managed = new Map<string, NamedPolicy>();
    for (const policy of this.set.resources('AWS::IAM::ManagedPolicy')) {
      const named = { name: policy.logicalId, policy: this.set.property(policy, 'PolicyDocument') };
      managed.set(this.set.ref(policy), named);
      for (const role of this.set.property(policy, 'Roles') ?? []) this.addIdentity(this.roleArn(role), named);
    }
    for (const policy of this.set.resources('AWS::IAM::Policy')) {
      const named = { name: policy.logicalId, policy: this.set.property(policy, 'PolicyDocument') };
      for (const role of this.set.property(policy, 'Roles') ?? []) this.addIdentity(this.roleArn(role), named);
    }
    for (const role of this.set.resources('AWS::IAM::Role')) {
      const roleArn = this.set.attribute(role, 'Arn');
      for (const inline of this.set.property(role, 'Policies') ?? []) {
        this.addIdentity(roleArn, { name: `${role.logicalId}/${inline.PolicyName}`, policy: inline.PolicyDocument });
      }
      for (const policyArn of this.set.property(role, 'ManagedPolicyArns') ?? []) {
        const awsManaged = awsManagedPolicyName(policyArn);
        const known = managed.get(policyArn) ?? (awsManaged && AWS_MANAGED_POLICIES[awsManaged] ? { name: policyArn, policy: AWS_MANAGED_POLICIES[awsManaged] } : undefined);
        if (known) this.addIdentity(roleArn, known);
        else this.unknownManaged.set(roleArn, [...(this.unknownManaged.get(roleArn) ?? []), policyArn]);
      }
    }
  }

  private addResourcePolicy(arn: string, document: any) {
    if (document === undefined) return;
    this.resourcePolicies.set(arn, [...(this.resourcePolicies.get(arn) ?? []), document]);
  }

  private indexResourcePolicies() {
    const set = this.set;
    const arnOf = (identifier: string, type: string, attribute: string) => {
      const found = set.find(identifier, type);
      return found ? set.attribute(found, attribute) : identifier;
    };
    for (const key of set.resources('AWS::KMS::Key')) this.addResourcePolicy(set.attribute(key, 'Arn'), set.property(key, 'KeyPolicy'));
    for (const fs of set.resources('AWS::EFS::FileSystem')) this.addResourcePolicy(set.attribute(fs, 'Arn'), set.property(fs, 'FileSystemPolicy'));
    for (const policy of set.resources('AWS::S3::BucketPolicy')) {
      this.addResourcePolicy(`arn:aws:s3:::${set.property(policy, 'Bucket')}`, set.property(policy, 'PolicyDocument'));
    }
    for (const policy of set.resources('AWS::SNS::TopicPolicy')) {
      for (const topic of set.property(policy, 'Topics') ?? []) this.addResourcePolicy(topic, set.property(policy, 'PolicyDocument'));
    }
    for (const policy of set.resources('AWS::SQS::QueuePolicy')) {
      for (const url of set.property(policy, 'Queues') ?? []) this.addResourcePolicy(arnOf(url, 'AWS::SQS::Queue', 'Arn'), set.property(policy, 'PolicyDocument'));
    }
    for (const permission of set.resources('AWS::Lambda::Permission')) {
      const functionName: string = set.property(permission, 'FunctionName');
      const functionArn = functionName.startsWith('arn:') ? functionName.split(':').slice(0, 7).join(':') : arnOf(functionName, 'AWS::Lambda::Function', 'Arn');
      this.addResourcePolicy(functionArn, { Version: '2012-10-17', Statement: [lambdaPermissionStatement(set.property(permission, ''), functionArn)] });
    }
    for (const policy of set.resources('AWS::Logs::ResourcePolicy')) {
      this.logsPolicies.push(policy.template.resolveDocument(policy.properties.PolicyDocument));
    }
  }
}

/** The statement Lambda adds to a function's resource policy for one AWS::Lambda::Permission. */
function lambdaPermissionStatement(permission: Record<string, any>, functionArn: string) {
  const principal = String(permission.Principal);
  const condition: Record<string, Record<string, string>> = {};
  if (permission.SourceArn !== undefined) condition.ArnLike = { 'aws:SourceArn': permission.SourceArn };
  if (permission.SourceAccount !== undefined) condition.StringEquals = { 'aws:SourceAccount': permission.SourceAccount };
  if (permission.PrincipalOrgID !== undefined) condition.StringEquals = { ...condition.StringEquals, 'aws:PrincipalOrgID': permission.PrincipalOrgID };
  const statement: Record<string, any> = {
    Effect: 'Allow',
    Principal: principal === '*' ? '*' : principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: /^\d{12}$/.test(principal) ? `arn:aws:iam::${principal}:root` : principal },
    Action: permission.Action,
    // A permission on an unqualified function also covers its versions and aliases only when it says so.
    Resource: functionArn,
  };
  if (Object.keys(condition).length > 0) statement.Condition = condition;
  return statement;
}

/** One policy document with the statements of several. */
function merge(documents: any[]): any {
  return { Version: '2012-10-17', Statement: documents.flatMap((document) => asArray(document.Statement)) };
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
