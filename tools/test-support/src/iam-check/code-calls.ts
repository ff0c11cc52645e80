import { CallList } from './call-list';
import { CodeCall } from './iam-call';

/**
 * The calls a function's handler code makes, as its package's test states them: the template shows
 * which function runs but not what its code calls. Each is made with the function's execution role;
 * a call on an object of a bucket encrypted with a customer managed key also makes the KMS call S3
 * makes with the caller's permissions (`kms:Decrypt` to read, `kms:GenerateDataKey` to write).
 */
export function codeCalls(calls: CallList, declared: readonly CodeCall[]) {
  const set = calls.set;
  const resolver = set.templates[0];
  for (const call of declared) {
    const fn = set.resources('AWS::Lambda::Function').find((resource) => resource.logicalId.startsWith(call.functionLogicalIdPrefix));
    const reason = `${call.functionLogicalIdPrefix}: ${call.reason}`;
    if (!fn) {
      calls.cannotResolve('(no function)', call.action, reason, `no function whose logical id starts with '${call.functionLogicalIdPrefix}'`);
      continue;
    }
    const role: string = set.property(fn, 'Role');
    const resource = String(resolver.resolve(call.resource));
    calls.byRole(role, call.action, resource, reason, call.context ?? {});
    if (call.action.startsWith('s3:') && resource.startsWith('arn:aws:s3:::')) {
      const bucket = set.find(resource.slice('arn:aws:s3:::'.length).split('/')[0], 'AWS::S3::Bucket');
      const rule = bucket ? set.property(bucket, 'BucketEncryption.ServerSideEncryptionConfiguration')?.[0]?.ServerSideEncryptionByDefault : undefined;
      const keyArn = rule?.SSEAlgorithm === 'aws:kms' ? set.keyArn(rule.KMSMasterKeyID) : undefined;
      if (keyArn) {
        const kmsAction = /Put|Upload|Multipart/.test(call.action) ? 'kms:GenerateDataKey' : 'kms:Decrypt';
        calls.byRole(role, kmsAction, keyArn, `${reason} (the bucket is encrypted with this key)`,
          { 'kms:ViaService': `s3.${set.place.region}.amazonaws.com`, 'kms:CallerAccount': set.place.account });
      }
    }
  }
}
