import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { LocationAccess, PreserveDeletedFiles, S3StorageClass, StageInTransfer, StageOutTransfer, TaskLogLevel } from '../src';
import { fixtures, fixturesAndTestStack } from './fixtures';
import { DATASYNC_TRUST, cfn, managedPolicyStatements, resourceStartingWith } from './helpers';

const BUCKET_ACTIONS = ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'];

describe('StageInTransfer', () => {
  const f = fixtures();
  const stageIn = new StageInTransfer(f.stack, 'StageIn', {
    network: f.network, sourceBucket: f.uploads, sourcePrefix: 'uploads/', fileSystem: f.fileSystem, accessPoint: f.accessPoint, destinationDirectory: '/inputs',
  });
  const caller = new iam.Role(f.stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  stageIn.grantStartExecution(caller);
  const template = Template.fromStack(f.stack);
  const stack = f.stack;

  test('copies from a read-only S3 location on the upload prefix to a read-write EFS location', () => {
    expect(stageIn.sourceLocation.access).toBe(LocationAccess.READ_ONLY);
    expect(stageIn.destinationLocation.access).toBe(LocationAccess.READ_WRITE);
    template.hasResourceProperties('AWS::DataSync::LocationS3', { Subdirectory: '/uploads/' });
    template.hasResourceProperties('AWS::DataSync::LocationEFS', { Subdirectory: '/inputs/', InTransitEncryption: 'TLS1_2' });
    template.hasResourceProperties('AWS::DataSync::Task', {
      SourceLocationArn: cfn(stack, stageIn.sourceLocation.locationArn),
      DestinationLocationArn: cfn(stack, stageIn.destinationLocation.locationArn),
      Options: { TransferMode: 'CHANGED', VerifyMode: 'ONLY_FILES_TRANSFERRED', OverwriteMode: 'ALWAYS', PreserveDeletedFiles: 'PRESERVE', BytesPerSecond: -1, LogLevel: 'BASIC', Uid: 'NONE', Gid: 'NONE', PosixPermissions: 'NONE' },
    });
    expect(stageIn.taskArn).toBe(stageIn.task.taskArn);
    expect(stageIn.logGroup).toBe(stageIn.task.logGroup);
  });

  test('every role it creates may do exactly what stage in needs', () => {
    const roles = Object.keys(template.findResources('AWS::IAM::Role')).filter((logicalId) => logicalId.startsWith('StageIn'));
    expect(roles.sort()).toEqual([
      expect.stringMatching(/^StageInDestinationFileSystemAccessRole/), expect.stringMatching(/^StageInManifestsReadRole/), expect.stringMatching(/^StageInSourceBucketAccessRole/),
    ]);
    for (const logicalId of roles) {
      expect(template.findResources('AWS::IAM::Role')[logicalId].Properties.AssumeRolePolicyDocument.Statement).toEqual(DATASYNC_TRUST);
    }
    expect(managedPolicyStatements(template, 'StageInSourceBucketAccessRolePolicy')).toEqual([
      { Effect: 'Allow', Action: BUCKET_ACTIONS, Resource: cfn(stack, f.uploads.bucketArn) },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:GetObjectVersionTagging'], Resource: { 'Fn::Join': ['', [cfn(stack, f.uploads.bucketArn), '/uploads/*']] } },
    ]);
    expect(managedPolicyStatements(template, 'StageInDestinationFileSystemAccessRolePolicy')).toEqual([{
      Effect: 'Allow',
      Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
      Resource: cfn(stack, f.fileSystem.fileSystemArn),
      Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': cfn(stack, f.accessPoint.accessPointArn) } },
    }]);
    // DataSync reads a run's manifest with GetObject, and GetObjectVersion (User Guide, "Providing DataSync access to your manifest")
    expect(managedPolicyStatements(template, 'StageInManifestsReadRolePolicy')).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: { 'Fn::Join': ['', [cfn(stack, stageIn.manifestBucket.bucketArn), '/manifests/*']] } },
    ]);
  });

  test('the manifest bucket is private, TLS only, and its manifests expire after seven days', () => {
    const bucket = resourceStartingWith(template, 'AWS::S3::Bucket', 'StageInManifestsBucket').Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(bucket.LifecycleConfiguration.Rules[0]).toMatchObject({ ExpirationInDays: 7, Status: 'Enabled' });
    expect(stageIn.manifestConfig('manifests/run.csv')).toEqual({
      Action: 'TRANSFER',
      Format: 'CSV',
      Source: { S3: { ManifestObjectPath: 'manifests/run.csv', BucketAccessRoleArn: stageIn.manifestReadRole.roleArn, S3BucketArn: stageIn.manifestBucket.bucketArn } },
    });
  });

  test('a manifest retention that is not whole days is refused, naming the prop', () => {
    const { fixtures: g, stack: other } = fixturesAndTestStack();
    expect(() => new StageInTransfer(other, 'Short', {
      network: g.network, sourceBucket: g.uploads, sourcePrefix: 'uploads/', fileSystem: g.fileSystem, accessPoint: g.accessPoint, manifestRetention: Duration.hours(12),
    })).toThrow("StageInTransfer 'Short': 'manifestRetention' 12 hours is not valid; allowed: whole days, at least 1");
  });

  test('the caller may start and describe this task and pass only the file-system access role and the manifest read role', () => {
    expect(resourceStartingWith(template, 'AWS::IAM::Policy', 'CallerDefaultPolicy').Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'datasync:StartTaskExecution', Resource: cfn(stack, stageIn.taskArn) },
      { Effect: 'Allow', Action: 'datasync:DescribeTaskExecution', Resource: { 'Fn::Join': ['', [cfn(stack, stageIn.taskArn), '/execution/*']] } },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: cfn(stack, stageIn.destinationLocation.fileSystemAccessRole.roleArn),
        Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } },
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: cfn(stack, stageIn.manifestReadRole.roleArn),
        Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } },
      },
    ]);
  });

  test('includeObject limits an execution to the uploaded object, relative to the upload prefix', () => {
    expect(stageIn.includeObject('uploads/2026/data.csv')).toEqual({ FilterType: 'SIMPLE_PATTERN', Value: '/2026/data.csv' });
  });

  test('metrics delegate to the task', () => {
    expect(stageIn.metricFilesTransferred().metricName).toBe('FilesTransferred');
    expect(stageIn.metricBytesTransferred().metricName).toBe('BytesTransferred');
    expect(stageIn.metric('FilesSkipped').namespace).toBe('AWS/DataSync');
  });
});

describe('StageInTransfer with the upload prefix, as in the README', () => {
  // given the README's stage in: uploads under 'uploads/', no destination directory
  const f = fixtures();
  const stageIn = new StageInTransfer(f.stack, 'StageIn', {
    network: f.network, sourceBucket: f.uploads, sourcePrefix: 'uploads/', fileSystem: f.fileSystem, accessPoint: f.accessPoint,
  });
  const template = Template.fromStack(f.stack);

  test("the README's StartTaskExecution call with a JSONPath key relative to the prefix synthesizes", () => {
    // when the README example builds the state
    const startStageIn = new tasks.CallAwsService(f.stack, 'StartStageIn', {
      service: 'datasync',
      action: 'startTaskExecution',
      parameters: {
        TaskArn: stageIn.taskArn,
        // the key relative to the upload prefix, as the trigger computes it
        Includes: [stageIn.includeObject(sfn.JsonPath.stringAt('$.relativeKey'))],
      },
      iamResources: [stageIn.taskArn],
    });
    // then the filter is the relative key from the root of the S3 location
    const state = f.stack.resolve(startStageIn.toStateJson());
    expect(state.Parameters.Includes).toEqual([{ 'FilterType': 'SIMPLE_PATTERN', 'Value.$': "States.Format('/{}', $.relativeKey)" }]);
  });

  test('a plain key is the full key, made relative to the prefix', () => {
    expect(stageIn.includeObject('uploads/2026/data.csv')).toEqual({ FilterType: 'SIMPLE_PATTERN', Value: '/2026/data.csv' });
  });

  test('fails for a plain key outside the prefix, naming sourcePrefix', () => {
    expect(() => stageIn.includeObject('2026/data.csv')).toThrow(
      "StageInTransfer 'StageIn': 'key' '2026/data.csv' is not under 'sourcePrefix' 'uploads/'; allowed: the full key of an upload, starting with 'uploads/', or a JSONPath reference to the key relative to it",
    );
  });

  test("uploads land in '/staging' by default, out of the access point root where '/runs' lives", () => {
    template.hasResourceProperties('AWS::DataSync::LocationEFS', { Subdirectory: '/staging/' });
    expect(stageIn.destinationDirectory).toBe('/staging/');
  });
});

describe('StageInTransfer destination directory', () => {
  test.each(['/runs', 'runs/', '/runs/in', 'runs/abc/in'])('fails when it is %p, /runs or under it', (destinationDirectory) => {
    const f = fixtures();
    expect(() => new StageInTransfer(f.stack, 'StageIn', {
      network: f.network, sourceBucket: f.uploads, fileSystem: f.fileSystem, accessPoint: f.accessPoint, destinationDirectory,
    })).toThrow(
      `StageInTransfer 'StageIn': 'destinationDirectory' '${destinationDirectory}' is not valid; allowed: a directory outside '/runs', where run directories live, such as '/staging'`,
    );
  });

  test('a directory whose name only starts with runs is accepted', () => {
    const f = fixtures();
    const stageIn = new StageInTransfer(f.stack, 'StageIn', {
      network: f.network, sourceBucket: f.uploads, fileSystem: f.fileSystem, accessPoint: f.accessPoint, destinationDirectory: '/runs-in',
    });
    expect(stageIn.destinationDirectory).toBe('/runs-in/');
  });
});

describe('StageInTransfer without a prefix', () => {
  test('includeObject accepts a JSONPath reference to the key', () => {
    const f = fixtures();
    const stageIn = new StageInTransfer(f.stack, 'StageIn', { network: f.network, sourceBucket: f.uploads, fileSystem: f.fileSystem, accessPoint: f.accessPoint, logLevel: TaskLogLevel.TRANSFER });
    const state = f.stack.resolve(new sfn.Pass(f.stack, 'P', { parameters: { Includes: [stageIn.includeObject(sfn.JsonPath.stringAt('$.key'))] } }).toStateJson());
    expect(state.Parameters.Includes).toEqual([{ 'FilterType': 'SIMPLE_PATTERN', 'Value.$': "States.Format('/{}', $.key)" }]);
    Template.fromStack(f.stack).hasResourceProperties('AWS::DataSync::LocationS3', { Subdirectory: '/' });
  });

  test('fails when asked to remove files that are not in the source', () => {
    const f = fixtures();
    expect(() => new StageInTransfer(f.stack, 'StageIn', {
      network: f.network,
      sourceBucket: f.uploads,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      preserveDeletedFiles: PreserveDeletedFiles.REMOVE,
    })).toThrow("StageInTransfer 'StageIn': 'preserveDeletedFiles' REMOVE is not allowed because the upload bucket and the file system hold files of other runs; allowed: PRESERVE");
  });
});

describe('StageOutTransfer', () => {
  const f = fixtures(undefined, { encryptedReports: true });
  const stageOut = new StageOutTransfer(f.stack, 'StageOut', {
    network: f.network,
    fileSystem: f.fileSystem,
    accessPoint: f.accessPoint,
    destinationBucket: f.reports,
    destinationPrefix: 'reports',
    destinationStorageClass: S3StorageClass.INTELLIGENT_TIERING,
    fileSystemRootAccess: true,
  });
  const caller = new iam.Role(f.stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  stageOut.grantStartExecution(caller);
  const template = Template.fromStack(f.stack);
  const stack = f.stack;

  test('copies from a read-only EFS location to a read-write S3 location on the reports prefix', () => {
    expect(stageOut.sourceLocation.access).toBe(LocationAccess.READ_ONLY);
    expect(stageOut.destinationLocation.access).toBe(LocationAccess.READ_WRITE);
    template.hasResourceProperties('AWS::DataSync::LocationS3', { Subdirectory: '/reports/', S3StorageClass: 'INTELLIGENT_TIERING' });
    template.hasResourceProperties('AWS::DataSync::LocationEFS', { Subdirectory: '/' });
    template.hasResourceProperties('AWS::DataSync::Task', {
      SourceLocationArn: cfn(stack, stageOut.sourceLocation.locationArn),
      DestinationLocationArn: cfn(stack, stageOut.destinationLocation.locationArn),
      Options: { TransferMode: 'CHANGED', VerifyMode: 'ONLY_FILES_TRANSFERRED', OverwriteMode: 'ALWAYS', PreserveDeletedFiles: 'PRESERVE', BytesPerSecond: -1, LogLevel: 'BASIC', Uid: 'NONE', Gid: 'NONE', PosixPermissions: 'NONE' },
    });
  });

  test('every role it creates may do exactly what stage out needs', () => {
    expect(managedPolicyStatements(template, 'StageOutSourceFileSystemAccessRolePolicy')).toEqual([{
      Effect: 'Allow',
      Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientRootAccess'],
      Resource: cfn(stack, f.fileSystem.fileSystemArn),
      Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': cfn(stack, f.accessPoint.accessPointArn) } },
    }]);
    expect(managedPolicyStatements(template, 'StageOutDestinationBucketAccessRolePolicy')).toEqual([
      { Effect: 'Allow', Action: BUCKET_ACTIONS, Resource: cfn(stack, f.reports.bucketArn) },
      {
        Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:GetObjectVersionTagging', 's3:ListMultipartUploadParts', 's3:PutObject', 's3:PutObjectTagging'],
        Resource: { 'Fn::Join': ['', [cfn(stack, f.reports.bucketArn), '/reports/*']] },
      },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: cfn(stack, f.reports.encryptionKey!.keyArn) },
    ]);
  });

  test('the caller may start and describe this task and pass only the file-system access role', () => {
    expect(resourceStartingWith(template, 'AWS::IAM::Policy', 'CallerDefaultPolicy').Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'datasync:StartTaskExecution', Resource: cfn(stack, stageOut.taskArn) },
      { Effect: 'Allow', Action: 'datasync:DescribeTaskExecution', Resource: { 'Fn::Join': ['', [cfn(stack, stageOut.taskArn), '/execution/*']] } },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: cfn(stack, stageOut.sourceLocation.fileSystemAccessRole.roleArn),
        Condition: { StringEquals: { 'iam:PassedToService': 'datasync.amazonaws.com' } },
      },
    ]);
  });

  test('includeRunOutput limits an execution to one run output directory', () => {
    expect(stageOut.includeRunOutput('run-1')).toEqual({ FilterType: 'SIMPLE_PATTERN', Value: '/runs/run-1/out/*' });
    expect(stageOut.includeRunOutput('run-1', { outputDirectory: 'reports' })).toEqual({ FilterType: 'SIMPLE_PATTERN', Value: '/runs/run-1/reports/*' });
  });

  test('metrics delegate to the task', () => {
    expect(stageOut.metricFilesTransferred().metricName).toBe('FilesTransferred');
    expect(stageOut.metricBytesTransferred().metricName).toBe('BytesTransferred');
    expect(stageOut.metric('FilesSkipped').namespace).toBe('AWS/DataSync');
    expect(stageOut.logGroup).toBeDefined();
  });

  test('fails when asked to remove files that are not in the source', () => {
    const g = fixtures();
    expect(() => new StageOutTransfer(g.stack, 'StageOut', {
      network: g.network,
      fileSystem: g.fileSystem,
      accessPoint: g.accessPoint,
      destinationBucket: g.reports,
      preserveDeletedFiles: PreserveDeletedFiles.REMOVE,
    })).toThrow("StageOutTransfer 'StageOut': 'preserveDeletedFiles' REMOVE is not allowed because the reports bucket holds the reports of other runs; allowed: PRESERVE");
  });
});

describe('StageInTransfer and StageOutTransfer with a pool of tasks', () => {
  // given a pool of three tasks for each transfer, and a caller that starts and cancels them
  const f = fixtures();
  const stageIn = new StageInTransfer(f.stack, 'StageIn', {
    network: f.network, sourceBucket: f.uploads, sourcePrefix: 'uploads/', fileSystem: f.fileSystem, accessPoint: f.accessPoint, poolSize: 3,
  });
  const stageOut = new StageOutTransfer(f.stack, 'StageOut', {
    network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, destinationBucket: f.reports, destinationPrefix: 'reports/', poolSize: 3,
  });
  const caller = new iam.Role(f.stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  stageIn.grantStartExecution(caller);
  stageIn.grantCancelExecution(caller);
  const template = Template.fromStack(f.stack);
  const stack = f.stack;

  test('stage in is three tasks from the one S3 location to the one EFS location', () => {
    const stageInTasks = Object.entries(template.findResources('AWS::DataSync::Task')).filter(([logicalId]) => logicalId.startsWith('StageIn'));
    expect(stageInTasks).toHaveLength(3);
    for (const [, task] of stageInTasks) {
      expect(task.Properties.SourceLocationArn).toEqual(cfn(stack, stageIn.sourceLocation.locationArn));
      expect(task.Properties.DestinationLocationArn).toEqual(cfn(stack, stageIn.destinationLocation.locationArn));
      expect(task.Properties.CloudWatchLogGroupArn).toEqual(cfn(stack, stageIn.logGroup!.logGroupArn));
    }
    template.resourceCountIs('AWS::DataSync::LocationS3', 2); // stage in's source, stage out's destination
    template.resourceCountIs('AWS::DataSync::LocationEFS', 2);
    expect(stageIn.taskArns).toEqual(stageIn.task.taskArns);
    expect(stageIn.taskArn).toBe(stageIn.taskArns[0]);
  });

  test('stage out is three tasks too, with its own log group', () => {
    expect(Object.keys(template.findResources('AWS::DataSync::Task')).filter((logicalId) => logicalId.startsWith('StageOut'))).toHaveLength(3);
    expect(stageOut.taskArns).toHaveLength(3);
    expect(Object.keys(template.findResources('AWS::Logs::LogGroup')).filter((logicalId) => /^Stage(In|Out)/.test(logicalId))).toHaveLength(2);
  });

  test('the caller may start and describe every stage-in task and cancel its executions, and nothing of stage out', () => {
    const statements = resourceStartingWith(template, 'AWS::IAM::Policy', 'CallerDefaultPolicy').Properties.PolicyDocument.Statement;
    const executions = stageIn.taskArns.map((taskArn) => ({ 'Fn::Join': ['', [cfn(stack, taskArn), '/execution/*']] }));
    expect(statements.map((statement: any) => [statement.Action, statement.Resource])).toEqual([
      ['datasync:StartTaskExecution', stageIn.taskArns.map((taskArn) => cfn(stack, taskArn))],
      ['datasync:DescribeTaskExecution', executions],
      ['iam:PassRole', cfn(stack, stageIn.destinationLocation.fileSystemAccessRole.roleArn)],
      ['iam:PassRole', cfn(stack, stageIn.manifestReadRole.roleArn)],
      ['datasync:CancelTaskExecution', executions],
    ]);
  });

  test('metrics of the pool delegate to the task', () => {
    expect(stageIn.metricPerTask('FilesTransferred')).toHaveLength(3);
    expect(stageOut.metricPoolBytesTransferred()).toBeInstanceOf(cloudwatch.MathExpression);
    expect((stageIn.metricPoolFilesTransferred() as cloudwatch.MathExpression).expression).toBe('SUM(FILL([task1, task2, task3], 0))');
    expect(stageOut.metricPool('FilesSkipped')).toBeInstanceOf(cloudwatch.MathExpression);
  });
});

describe('pool validation names the stage transfer', () => {
  test('fails when the stage-in poolSize is not valid', () => {
    const f = fixtures();
    expect(() => new StageInTransfer(f.stack, 'StageIn', {
      network: f.network, sourceBucket: f.uploads, fileSystem: f.fileSystem, accessPoint: f.accessPoint, poolSize: 0,
    })).toThrow(/^StageInTransfer 'StageIn': 'poolSize' 0 is not valid; allowed: a whole number from 1 to 100/);
  });

  test('fails when a stage-out pool task name would be too long', () => {
    const f = fixtures();
    expect(() => new StageOutTransfer(f.stack, 'StageOut', {
      network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, destinationBucket: f.reports, poolSize: 10, taskName: 'a'.repeat(254),
    })).toThrow(/^StageOutTransfer 'StageOut': 'taskName' 'a+' is not valid with 'poolSize' 10; allowed: 1-253 /);
  });
});
