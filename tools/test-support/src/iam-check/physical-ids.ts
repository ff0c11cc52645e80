import { createHash } from 'crypto';

/** The account and region a template's resources are placed in. */
export interface Placement {
  readonly account: string;
  readonly region: string;
}

/** What `Ref` and `Fn::GetAtt` return for one resource. */
export interface PhysicalIds {
  readonly ref: string;
  readonly attributes: Record<string, string>;
}

/**
 * The facts about one resource that its identifiers depend on: its logical id (with a prefix
 * that keeps two stacks apart), the name its properties give it (if any) and a few properties.
 */
export interface ResourceNaming {
  readonly logicalId: string;
  /** Salt for the hashes and prefix for the names of resources of a second or later template. */
  readonly stackKey: string;
  readonly type: string;
  /** The explicit name property, already resolved, when it is a plain string. */
  readonly explicitName?: string;
  /** Properties some identifiers depend on (Path of a role, FifoQueue, EventBusName), resolved. */
  readonly properties: Record<string, any>;
}

/** Hex digits derived from the logical id, so the same template always gives the same ids. */
export function hexId(naming: Pick<ResourceNaming, 'logicalId' | 'stackKey'>, length: number): string {
  return createHash('sha256').update(`${naming.stackKey}/${naming.logicalId}`).digest('hex').slice(0, length);
}

/** A UUID derived from the logical id, the shape of a KMS key id. */
function uuidOf(naming: ResourceNaming): string {
  const h = hexId(naming, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The property that names a resource of each type, when the template sets one. */
export const NAME_PROPERTIES: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Events::Rule': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::Batch::JobQueue': 'JobQueueName',
  'AWS::Batch::JobDefinition': 'JobDefinitionName',
  'AWS::Batch::ComputeEnvironment': 'ComputeEnvironmentName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::SSM::Parameter': 'Name',
  'AWS::AppStream::Fleet': 'Name',
  'AWS::AppStream::Stack': 'Name',
  'AWS::SecretsManager::Secret': 'Name',
};

/**
 * `Ref` and `Fn::GetAtt` values of a resource, shaped as AWS shapes them for its type, so that
 * an ARN written by an identity policy and the same ARN written by a resource policy (or by the
 * state machine definition) resolve to the same string.
 */
export function physicalIds(naming: ResourceNaming, place: Placement): PhysicalIds {
  const { account, region } = place;
  const name = naming.explicitName ?? `${naming.stackKey}${naming.logicalId}`;
  const props = naming.properties;
  const arn = (service: string, resource: string, regional = true) => `arn:aws:${service}:${regional ? region : ''}:${account}:${resource}`;
  switch (naming.type) {
    case 'AWS::S3::Bucket': {
      const bucket = naming.explicitName ?? `${name.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 50)}-${hexId(naming, 8)}`;
      return {
        ref: bucket,
        attributes: {
          Arn: `arn:aws:s3:::${bucket}`,
          DomainName: `${bucket}.s3.amazonaws.com`,
          RegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
        },
      };
    }
    case 'AWS::KMS::Key': {
      const keyId = uuidOf(naming);
      return { ref: keyId, attributes: { Arn: arn('kms', `key/${keyId}`), KeyId: keyId } };
    }
    case 'AWS::KMS::Alias':
      return { ref: String(props.AliasName ?? `alias/${name}`), attributes: {} };
    case 'AWS::IAM::Role': {
      const roleArn = `arn:aws:iam::${account}:role${props.Path ?? '/'}${name}`;
      return { ref: name, attributes: { Arn: roleArn, RoleId: `AROA${hexId(naming, 17).toUpperCase()}` } };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const policyArn = `arn:aws:iam::${account}:policy${props.Path ?? '/'}${name}`;
      return { ref: policyArn, attributes: { PolicyArn: policyArn } };
    }
    case 'AWS::IAM::InstanceProfile':
      return { ref: name, attributes: { Arn: `arn:aws:iam::${account}:instance-profile${props.Path ?? '/'}${name}` } };
    case 'AWS::SNS::Topic': {
      const topic = props.FifoTopic && !name.endsWith('.fifo') ? `${name}.fifo` : name;
      const topicArn = arn('sns', topic);
      return { ref: topicArn, attributes: { TopicArn: topicArn, TopicName: topic } };
    }
    case 'AWS::SQS::Queue': {
      const queue = props.FifoQueue && !name.endsWith('.fifo') ? `${name}.fifo` : name;
      const url = `https://sqs.${region}.amazonaws.com/${account}/${queue}`;
      return { ref: url, attributes: { Arn: arn('sqs', queue), QueueName: queue, QueueUrl: url } };
    }
    case 'AWS::Lambda::Function':
      return { ref: name, attributes: { Arn: arn('lambda', `function:${name}`) } };
    case 'AWS::StepFunctions::StateMachine': {
      const smArn = arn('states', `stateMachine:${name}`);
      return { ref: smArn, attributes: { Arn: smArn, Name: name } };
    }
    case 'AWS::Logs::LogGroup':
      return { ref: name, attributes: { Arn: arn('logs', `log-group:${name}:*`) } };
    case 'AWS::Events::Rule': {
      const bus = props.EventBusName && props.EventBusName !== 'default' ? `${String(props.EventBusName).split('/').pop()}/` : '';
      return { ref: name, attributes: { Arn: arn('events', `rule/${bus}${name}`) } };
    }
    case 'AWS::CloudWatch::Alarm':
      return { ref: name, attributes: { Arn: arn('cloudwatch', `alarm:${name}`) } };
    case 'AWS::EFS::FileSystem': {
      const id = `fs-${hexId(naming, 17)}`;
      return { ref: id, attributes: { Arn: arn('elasticfilesystem', `file-system/${id}`), FileSystemId: id } };
    }
    case 'AWS::EFS::AccessPoint': {
      const id = `fsap-${hexId(naming, 17)}`;
      return { ref: id, attributes: { Arn: arn('elasticfilesystem', `access-point/${id}`), AccessPointId: id } };
    }
    case 'AWS::DataSync::Task': {
      const taskArn = arn('datasync', `task/task-${hexId(naming, 17)}`);
      return { ref: taskArn, attributes: { TaskArn: taskArn } };
    }
    case 'AWS::DataSync::LocationS3':
    case 'AWS::DataSync::LocationEFS':
    case 'AWS::DataSync::LocationNFS':
    case 'AWS::DataSync::LocationSMB': {
      const locationArn = arn('datasync', `location/loc-${hexId(naming, 17)}`);
      return { ref: locationArn, attributes: { LocationArn: locationArn, LocationUri: `${naming.type.split('Location')[1].toLowerCase()}://${name}/` } };
    }
    case 'AWS::Batch::JobQueue': {
      const queueArn = arn('batch', `job-queue/${name}`);
      return { ref: queueArn, attributes: { JobQueueArn: queueArn } };
    }
    case 'AWS::Batch::JobDefinition': {
      const definitionArn = arn('batch', `job-definition/${name}:1`);
      return { ref: definitionArn, attributes: { JobDefinitionArn: definitionArn } };
    }
    case 'AWS::Batch::ComputeEnvironment': {
      const ceArn = arn('batch', `compute-environment/${name}`);
      return { ref: ceArn, attributes: { ComputeEnvironmentArn: ceArn } };
    }
    case 'AWS::ECR::Repository': {
      const repo = name.toLowerCase();
      return { ref: repo, attributes: { Arn: arn('ecr', `repository/${repo}`), RepositoryUri: `${account}.dkr.ecr.${region}.amazonaws.com/${repo}` } };
    }
    case 'AWS::SecretsManager::Secret': {
      const secretArn = arn('secretsmanager', `secret:${name}-${hexId(naming, 6)}`);
      return { ref: secretArn, attributes: { Id: secretArn } };
    }
    case 'AWS::SSM::Parameter':
      return { ref: name, attributes: { Type: String(props.Type ?? 'String'), Value: String(props.Value ?? '') } };
    case 'AWS::EC2::VPC': {
      const id = `vpc-${hexId(naming, 17)}`;
      return { ref: id, attributes: { VpcId: id, DefaultSecurityGroup: `sg-${hexId({ ...naming, logicalId: `${naming.logicalId}/default` }, 17)}`, CidrBlock: String(props.CidrBlock ?? '10.0.0.0/16') } };
    }
    case 'AWS::EC2::SecurityGroup': {
      const id = `sg-${hexId(naming, 17)}`;
      return { ref: id, attributes: { GroupId: id, VpcId: String(props.VpcId ?? '') } };
    }
    case 'AWS::EC2::Subnet': {
      const id = `subnet-${hexId(naming, 17)}`;
      return { ref: id, attributes: { SubnetId: id, AvailabilityZone: String(props.AvailabilityZone ?? `${region}a`) } };
    }
    default: {
      // Any other type: its ARN is shaped like most ARNs, service and lower-case type from the type name.
      const [, service = 'unknown', kind = 'resource'] = naming.type.split('::');
      const generic = arn(service.toLowerCase(), `${kind.toLowerCase()}/${name}`);
      return { ref: name, attributes: { Arn: generic } };
    }
  }
}
