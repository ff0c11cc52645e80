import { LocalIdentifiers, TemplateResource } from './local-identifiers';

/** Resource types whose physical id (ListStackResources) is the AWS id: `fs-...`, `fsap-...`, a key id. */
const ID_TYPES = new Set([
  'AWS::EFS::FileSystem', 'AWS::EFS::AccessPoint', 'AWS::EC2::SecurityGroup', 'AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::KMS::Key',
]);

/**
 * The identifiers of a deployed stack's resources: what `Ref` and `Fn::GetAtt` return on AWS,
 * from the physical ids CloudFormation reports (ListStackResources) instead of names made up
 * from stack and logical id. A resource without a physical id (not created yet) keeps the
 * generated one.
 */
export class DeployedIdentifiers extends LocalIdentifiers {
  public constructor(
    stackName: string,
    private readonly templateResources: Readonly<Record<string, TemplateResource>>,
    region: string,
    account: string,
    private readonly physicalIds: ReadonlyMap<string, string>,
    parameters: Readonly<Record<string, string>> = {},
  ) {
    super(stackName, templateResources, region, account, parameters);
  }

  private typeOf(logicalId: string): string | undefined {
    return Object.hasOwn(this.templateResources, logicalId) ? this.templateResources[logicalId].Type : undefined;
  }

  public nameOf(logicalId: string): string {
    const physical = this.physicalIds.get(logicalId);
    if (physical === undefined) return super.nameOf(logicalId);
    if (this.typeOf(logicalId) === 'AWS::SQS::Queue') return physical.split('/').pop()!;
    if (!physical.startsWith('arn:')) return physical;
    // arn:partition:service:region:account:<resource>, the resource `type/name`, `type:name` or `name`.
    const resource = physical.split(':').slice(5).join(':');
    if (this.typeOf(logicalId) === 'AWS::Batch::JobDefinition') return resource.replace(/^job-definition\//, '').replace(/:\d+$/, '');
    const slash = resource.indexOf('/');
    return slash >= 0 ? resource.slice(slash + 1) : resource.split(':').pop()!;
  }

  public idOf(logicalId: string): string | undefined {
    const physical = this.physicalIds.get(logicalId);
    const type = this.typeOf(logicalId);
    return physical !== undefined && type !== undefined && ID_TYPES.has(type) ? physical : super.idOf(logicalId);
  }

  public arnOf(logicalId: string): string {
    const physical = this.physicalIds.get(logicalId);
    return physical?.startsWith('arn:') ? physical : super.arnOf(logicalId);
  }
}
