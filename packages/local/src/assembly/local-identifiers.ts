import { createHash } from 'node:crypto';
import { ReferenceResolver, resolveValue } from './intrinsics';

/** A resource of a template: its type and properties (intrinsics unresolved). */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, any>;
}

/** A stable hexadecimal id for a logical id, as AWS ids look (`fs-0123...`). */
export function hexId(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/**
 * The physical name CloudFormation would generate when the template names none:
 * stack name and logical id, within the service's length and character rules.
 */
function generatedName(stackName: string, logicalId: string, maxLength: number, lowercase = false): string {
  const name = `${stackName}-${logicalId}`;
  let allowed = lowercase ? name.toLowerCase().replace(/[^a-z0-9.-]/g, '-') : name.replace(/[^A-Za-z0-9_-]/g, '-');
  if (lowercase && /^(xn--|sthree-|amzn-s3-demo-)/.test(allowed)) {
    // Prefixes S3 reserves (bucket naming rules): a stack named `sthree` must still get a valid bucket name.
    allowed = `s3-${allowed}`;
  }
  if (allowed.length <= maxLength) {
    return allowed;
  }
  const hash = hexId(name, 8);
  return `${allowed.slice(0, maxLength - 9)}-${hash}`;
}

/**
 * The local identifiers of a template's resources: the names and ARNs that `Ref` and
 * `Fn::GetAtt` return on AWS (CloudFormation's documented return values per resource type),
 * in the stack's account and region. A template-given name (`BucketName`, `FunctionName` ...)
 * is kept; otherwise one is made as CloudFormation would, from stack and logical id.
 */
export class LocalIdentifiers implements ReferenceResolver {
  /** Names being resolved (a name that refers to itself is not resolved). */
  private readonly resolvingNames = new Set<string>();

  public constructor(
    private readonly stackName: string,
    private readonly resources: Readonly<Record<string, TemplateResource>>,
    private readonly region: string,
    private readonly account: string,
    private readonly parameters: Readonly<Record<string, string>> = {},
  ) {}

  /** The template's resource of a logical id (only the template's own: `constructor` is not one). */
  private resourceOf(logicalId: string): TemplateResource | undefined {
    return Object.hasOwn(this.resources, logicalId) ? this.resources[logicalId] : undefined;
  }

  /** The name of a resource (bucket name, function name, topic name ...). */
  public nameOf(logicalId: string): string {
    const resource = this.resourceOf(logicalId);
    const properties = resource?.Properties ?? {};
    const given = (key: string) => this.givenName(logicalId, properties[key]);
    switch (resource?.Type) {
      case 'AWS::S3::Bucket': return given('BucketName') ?? generatedName(this.stackName, logicalId, 63, true);
      case 'AWS::Lambda::Function': return given('FunctionName') ?? generatedName(this.stackName, logicalId, 64);
      case 'AWS::StepFunctions::StateMachine': return given('StateMachineName') ?? generatedName(this.stackName, logicalId, 80);
      case 'AWS::SNS::Topic': return given('TopicName') ?? generatedName(this.stackName, logicalId, 256);
      case 'AWS::SQS::Queue': return given('QueueName') ?? generatedName(this.stackName, logicalId, 80);
      case 'AWS::Batch::JobQueue': return given('JobQueueName') ?? generatedName(this.stackName, logicalId, 128);
      case 'AWS::Batch::JobDefinition': return given('JobDefinitionName') ?? generatedName(this.stackName, logicalId, 128);
      case 'AWS::Batch::ComputeEnvironment': return given('ComputeEnvironmentName') ?? generatedName(this.stackName, logicalId, 128);
      case 'AWS::Logs::LogGroup': return given('LogGroupName') ?? `/${this.stackName}/${logicalId}`;
      case 'AWS::IAM::Role': return given('RoleName') ?? generatedName(this.stackName, logicalId, 64);
      default: return logicalId;
    }
  }

  /**
   * A name the template gives: a string, or an intrinsic built from other references
   * (`Fn::Join` of the account and a suffix), resolved as CloudFormation would.
   */
  private givenName(logicalId: string, value: unknown): string | undefined {
    if (typeof value === 'string' || value === undefined || this.resolvingNames.has(logicalId)) {
      return typeof value === 'string' ? value : undefined;
    }
    this.resolvingNames.add(logicalId);
    try {
      const resolved = resolveValue(value, { region: this.region, account: this.account, references: this, where: `${this.stackName}/${logicalId}` });
      return typeof resolved === 'string' ? resolved : undefined;
    } catch {
      return undefined;
    } finally {
      this.resolvingNames.delete(logicalId);
    }
  }

  public ref(logicalId: string): string | undefined {
    if (Object.hasOwn(this.parameters, logicalId)) {
      return this.parameters[logicalId];
    }
    const resource = this.resourceOf(logicalId);
    if (!resource) {
      return undefined;
    }
    const arn = this.arnOf(logicalId);
    switch (resource.Type) {
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SNS::Topic':
      case 'AWS::Batch::JobQueue':
      case 'AWS::Batch::JobDefinition':
      case 'AWS::Batch::ComputeEnvironment':
      case 'AWS::DataSync::Task':
      case 'AWS::DataSync::LocationS3':
      case 'AWS::DataSync::LocationEFS':
        return arn;
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.amazonaws.com/${this.account}/${this.nameOf(logicalId)}`;
      default:
        return this.idOf(logicalId) ?? this.nameOf(logicalId);
    }
  }

  public getAtt(logicalId: string, attribute: string): string | undefined {
    const resource = this.resourceOf(logicalId);
    if (!resource) {
      return undefined;
    }
    switch (attribute) {
      case 'Arn':
      case 'TopicArn':
      case 'TaskArn':
      case 'LocationArn':
      case 'JobQueueArn':
      case 'JobDefinitionArn':
      case 'ComputeEnvironmentArn':
      case 'StateMachineArn':
        return this.arnOf(logicalId);
      case 'Name':
      case 'TopicName':
      case 'QueueName':
        return this.nameOf(logicalId);
      case 'FileSystemId':
      case 'AccessPointId':
      case 'GroupId':
      case 'KeyId':
        return this.idOf(logicalId);
      case 'DomainName':
        return `${this.nameOf(logicalId)}.s3.amazonaws.com`;
      case 'RegionalDomainName':
        return `${this.nameOf(logicalId)}.s3.${this.region}.amazonaws.com`;
      case 'QueueUrl':
        return this.ref(logicalId);
      case 'LocationUri':
        return `local://${logicalId}/`;
      default:
        // Not something a run reads: a readable stand-in.
        return `${logicalId}.${attribute}`;
    }
  }

  /** The id AWS gives a resource (`fs-...`, `fsap-...`, `sg-...`), for types that have one. */
  public idOf(logicalId: string): string | undefined {
    const prefixes: Record<string, string> = {
      'AWS::EFS::FileSystem': 'fs-',
      'AWS::EFS::AccessPoint': 'fsap-',
      'AWS::EC2::SecurityGroup': 'sg-',
      'AWS::EC2::VPC': 'vpc-',
      'AWS::EC2::Subnet': 'subnet-',
    };
    const type = this.resourceOf(logicalId)?.Type;
    if (type === 'AWS::KMS::Key') {
      const hex = hexId(`${this.stackName}/${logicalId}`, 32);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    const prefix = type ? prefixes[type] : undefined;
    return prefix ? `${prefix}${hexId(`${this.stackName}/${logicalId}`, 17)}` : undefined;
  }

  /** The ARN of a resource, in the format of its service. */
  public arnOf(logicalId: string): string {
    const resource = this.resourceOf(logicalId);
    const name = this.nameOf(logicalId);
    const base = (service: string) => `arn:aws:${service}:${this.region}:${this.account}`;
    const hex = hexId(`${this.stackName}/${logicalId}`, 17);
    switch (resource?.Type) {
      case 'AWS::S3::Bucket': return `arn:aws:s3:::${name}`;
      case 'AWS::Lambda::Function': return `${base('lambda')}:function:${name}`;
      case 'AWS::StepFunctions::StateMachine': return `${base('states')}:stateMachine:${name}`;
      case 'AWS::SNS::Topic': return `${base('sns')}:${name}`;
      case 'AWS::SQS::Queue': return `${base('sqs')}:${name}`;
      case 'AWS::Batch::JobQueue': return `${base('batch')}:job-queue/${name}`;
      case 'AWS::Batch::JobDefinition': return `${base('batch')}:job-definition/${name}:1`;
      case 'AWS::Batch::ComputeEnvironment': return `${base('batch')}:compute-environment/${name}`;
      case 'AWS::DataSync::Task': return `${base('datasync')}:task/task-${hex}`;
      case 'AWS::DataSync::LocationS3':
      case 'AWS::DataSync::LocationEFS': return `${base('datasync')}:location/loc-${hex}`;
      case 'AWS::EFS::FileSystem': return `${base('elasticfilesystem')}:file-system/${this.idOf(logicalId)}`;
      case 'AWS::EFS::AccessPoint': return `${base('elasticfilesystem')}:access-point/${this.idOf(logicalId)}`;
      case 'AWS::KMS::Key': return `${base('kms')}:key/${this.idOf(logicalId)}`;
      case 'AWS::Logs::LogGroup': return `${base('logs')}:log-group:${name}:*`;
      case 'AWS::IAM::Role': return `arn:aws:iam::${this.account}:role/${name}`;
      default: return `${base('local')}:${logicalId}`;
    }
  }
}
