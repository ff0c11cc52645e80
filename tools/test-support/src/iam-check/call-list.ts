import { IamCall, UnresolvedCall } from './iam-call';
import { TemplateSet } from './template-set';

/** The calls derived so far, and those whose resource could not be worked out. */
export class CallList {
  public readonly calls: IamCall[] = [];
  public readonly unresolved: UnresolvedCall[] = [];

  constructor(public readonly set: TemplateSet) {}

  /** A call made with a role's credentials (a function, a job, a state machine, a DataSync location). */
  public byRole(role: string, action: string, resource: string, reason: string, context: Record<string, string | string[]> = {}) {
    this.calls.push({
      principal: role,
      action,
      resource,
      reason,
      context: { 'aws:SecureTransport': 'true', 'aws:PrincipalArn': role, 'aws:PrincipalAccount': this.set.place.account, ...context },
    });
  }

  /** A call an AWS service makes on the stack's behalf (EventBridge, CloudWatch, S3), authorized by resource policies only. */
  public byService(service: string, action: string, resource: string, sourceArn: string, reason: string, context: Record<string, string> = {}) {
    this.calls.push({
      principal: service,
      action,
      resource,
      reason,
      context: {
        'aws:SecureTransport': 'true',
        'aws:SourceArn': sourceArn,
        'aws:SourceAccount': this.set.place.account,
        // The default SNS topic policy still conditions on this legacy key.
        ...(action.startsWith('sns:') ? { 'aws:SourceOwner': this.set.place.account } : {}),
        ...context,
      },
    });
  }

  public cannotResolve(principal: string, action: string, reason: string, problem: string) {
    this.unresolved.push({ principal, action, reason, problem });
  }

  /**
   * Publishing to a topic: sns:Publish and, when the topic is encrypted with a customer managed key,
   * kms:GenerateDataKey and kms:Decrypt on that key. SNS makes those two calls with the publisher's
   * permissions ("Enabling compatibility between event sources and encrypted topics", SNS SSE docs):
   * a role needs them in its identity policy (and the key policy must let IAM policies count), a
   * service principal needs them in the key policy.
   */
  public publish(publisher: { role: string } | { service: string; sourceArn: string }, topicArn: string, reason: string) {
    const topic = this.set.find(topicArn, 'AWS::SNS::Topic');
    const keyArn = topic ? this.set.keyArn(this.set.property(topic, 'KmsMasterKeyId')) : undefined;
    const actions = ['sns:Publish', ...(keyArn ? ['kms:GenerateDataKey', 'kms:Decrypt'] : [])];
    for (const action of actions) {
      const resource = action.startsWith('kms:') ? keyArn! : topicArn;
      const why = action.startsWith('kms:') ? `${reason} (the topic is encrypted with this key)` : reason;
      const kmsContext: Record<string, string> = action.startsWith('kms:') && 'role' in publisher
        ? { 'kms:ViaService': `sns.${this.set.place.region}.amazonaws.com`, 'kms:CallerAccount': this.set.place.account }
        : {};
      if ('role' in publisher) this.byRole(publisher.role, action, resource, why, kmsContext);
      else this.byService(publisher.service, action, resource, publisher.sourceArn, why);
    }
  }

  /**
   * Mounting an EFS file system with IAM authorization: ClientMount, and ClientWrite for a read-write
   * mount, on the file system, with the access point in the context; EFS evaluates them against the
   * identity policy and the file system policy.
   */
  public mount(role: string, fileSystemArn: string, accessPointArn: string | undefined, write: boolean, secure: boolean, reason: string) {
    const context: Record<string, string> = { 'aws:SecureTransport': String(secure) };
    if (accessPointArn !== undefined) context['elasticfilesystem:AccessPointArn'] = accessPointArn;
    for (const action of ['elasticfilesystem:ClientMount', ...(write ? ['elasticfilesystem:ClientWrite'] : [])]) {
      this.byRole(role, action, fileSystemArn, reason, context);
    }
  }

  /** The ARN of a file system given by its id or ARN. */
  public fileSystemArn(idOrArn: string): string {
    if (idOrArn.startsWith('arn:')) return idOrArn;
    const fs = this.set.find(idOrArn, 'AWS::EFS::FileSystem');
    return fs ? this.set.attribute(fs, 'Arn') : `arn:aws:elasticfilesystem:${this.set.place.region}:${this.set.place.account}:file-system/${idOrArn}`;
  }

  /** The ARN of an access point given by its id or ARN, and the ARN of its file system. */
  public accessPoint(idOrArn: string): { accessPointArn: string; fileSystemArn?: string } {
    const ap = this.set.find(idOrArn, 'AWS::EFS::AccessPoint');
    if (!ap) {
      return { accessPointArn: idOrArn.startsWith('arn:') ? idOrArn : `arn:aws:elasticfilesystem:${this.set.place.region}:${this.set.place.account}:access-point/${idOrArn}` };
    }
    return { accessPointArn: this.set.attribute(ap, 'Arn'), fileSystemArn: this.fileSystemArn(this.set.property(ap, 'FileSystemId')) };
  }

  /** Writing to a log group: CreateLogStream and PutLogEvents, authorized on a stream of the group. */
  public writeLogs(writer: { role: string } | { service: string; sourceArn: string }, logGroupArnOrName: string, reason: string) {
    const group = logGroupArnOrName.startsWith('arn:')
      ? logGroupArnOrName.replace(/:\*$/, '')
      : `arn:aws:logs:${this.set.place.region}:${this.set.place.account}:log-group:${logGroupArnOrName}`;
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      if ('role' in writer) this.byRole(writer.role, action, `${group}:log-stream:example-stream`, reason);
      else this.byService(writer.service, action, `${group}:log-stream:example-stream`, writer.sourceArn, reason);
    }
  }

  /** The customer managed key a bucket encrypts objects with by default, if any. */
  public bucketKey(bucketArn: string): string | undefined {
    const bucket = this.set.find(bucketArn, 'AWS::S3::Bucket');
    if (!bucket) return undefined;
    const rules: any[] = this.set.property(bucket, 'BucketEncryption.ServerSideEncryptionConfiguration') ?? [];
    const byDefault = rules.map((rule) => rule.ServerSideEncryptionByDefault).find((d) => d && String(d.SSEAlgorithm).startsWith('aws:kms'));
    return byDefault ? this.set.keyArn(byDefault.KMSMasterKeyID) : undefined;
  }

  /** The KMS calls S3 makes with the caller's permissions when it reads (Decrypt) or writes (GenerateDataKey) an object of a bucket encrypted with a customer managed key. */
  public bucketKeyCalls(role: string, bucketArn: string, write: boolean, reason: string) {
    const keyArn = this.bucketKey(bucketArn);
    if (!keyArn) return;
    const context = { 'kms:ViaService': `s3.${this.set.place.region}.amazonaws.com`, 'kms:CallerAccount': this.set.place.account };
    for (const action of write ? ['kms:GenerateDataKey', 'kms:Decrypt'] : ['kms:Decrypt']) {
      this.byRole(role, action, keyArn, `${reason} (the bucket is encrypted with this key)`, context);
    }
  }
}
