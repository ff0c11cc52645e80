import { CallList } from './call-list';
import { TemplateResource } from './template-resolver';

/** What DataSync does with an S3 location's role ("Providing DataSync access to S3 buckets", DataSync docs). */
const S3_BUCKET_ACTIONS = ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'];
const S3_READ_ACTIONS = ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:GetObjectVersionTagging'];
const S3_WRITE_ACTIONS = ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:ListMultipartUploadParts', 's3:PutObject', 's3:PutObjectTagging'];

/**
 * The calls DataSync makes for each task: with each location's role (S3: list and read the source,
 * also write a destination, with the bucket's key; EFS: mount through the access point, also write a
 * destination), with the task report's role, and as datasync.amazonaws.com into the task's log group.
 */
export function dataSyncCalls(calls: CallList) {
  const set = calls.set;
  for (const task of set.resources('AWS::DataSync::Task')) {
    const taskArn = set.ref(task);
    for (const [property, write] of [['SourceLocationArn', false], ['DestinationLocationArn', true]] as const) {
      const location = set.find(set.property(task, property));
      if (location) locationCalls(calls, location, write, `${task.logicalId} ${write ? 'writes to' : 'reads from'} ${location.logicalId}`);
    }
    const report = set.property(task, 'TaskReportConfig.Destination.S3');
    if (report?.BucketAccessRoleArn) {
      const prefix = normalizePrefix(report.Subdirectory);
      const why = `${task.logicalId} writes its task report`;
      calls.byRole(report.BucketAccessRoleArn, 's3:PutObject', `${report.S3BucketArn}/${prefix}example-report.json`, why);
      calls.bucketKeyCalls(report.BucketAccessRoleArn, report.S3BucketArn, true, why);
    }
    const logGroup = set.property(task, 'CloudWatchLogGroupArn');
    if (logGroup) calls.writeLogs({ service: 'datasync.amazonaws.com', sourceArn: taskArn }, logGroup, `${task.logicalId} logs its transfers`);
  }
}

function locationCalls(calls: CallList, location: TemplateResource, write: boolean, reason: string) {
  const set = calls.set;
  if (location.type === 'AWS::DataSync::LocationS3') {
    const role = set.property(location, 'S3Config.BucketAccessRoleArn');
    const bucketArn: string = set.property(location, 'S3BucketArn');
    const object = `${bucketArn}/${normalizePrefix(set.property(location, 'Subdirectory'))}example-object`;
    for (const action of S3_BUCKET_ACTIONS) calls.byRole(role, action, bucketArn, reason);
    for (const action of [...S3_READ_ACTIONS, ...(write ? S3_WRITE_ACTIONS : [])]) calls.byRole(role, action, object, reason);
    calls.bucketKeyCalls(role, bucketArn, write, reason);
  } else if (location.type === 'AWS::DataSync::LocationEFS') {
    const role = set.property(location, 'FileSystemAccessRoleArn');
    // Without a role DataSync mounts without IAM authorization: there is no call to check.
    if (!role) return;
    const accessPoint = set.property(location, 'AccessPointArn');
    calls.mount(role, calls.fileSystemArn(set.property(location, 'EfsFilesystemArn')), accessPoint ? calls.accessPoint(accessPoint).accessPointArn : undefined,
      write, set.property(location, 'InTransitEncryption') === 'TLS1_2', reason);
  }
}

/** `/incoming/` -> `incoming/`, `/` or nothing -> ``. */
function normalizePrefix(subdirectory: string | undefined): string {
  const trimmed = String(subdirectory ?? '').replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}
