import { nagFindings } from '@batch-pipeline/test-support';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { StageInTransfer, StageOutTransfer } from '../src';
import { fixturesAndTestStack, synthesizeBoth } from './fixtures';

// The buckets, file system and network live in their own stack, so these
// assertions cover exactly what this package creates. Each app is also
// synthesized: two stacks that reference each other fail there (DependencyCycle),
// not in cdk-nag.
describe('the transfers pass cdk-nag (AwsSolutions, NIST 800-53 R5)', () => {
  test('stage in and stage out with task reports and a caller, on the pipeline network', () => {
    const { fixtures: f, stack } = fixturesAndTestStack();
    const stageIn = new StageInTransfer(stack, 'StageIn', {
      network: f.network, sourceBucket: f.uploads, sourcePrefix: 'uploads/', fileSystem: f.fileSystem, accessPoint: f.accessPoint,
    });
    const stageOut = new StageOutTransfer(stack, 'StageOut', {
      network: f.network,
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      destinationBucket: f.reports,
      destinationPrefix: 'reports/',
      taskReport: { bucket: f.reports },
    });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    const policy = new iam.ManagedPolicy(stack, 'CallerPolicy', { roles: [caller] });
    stageIn.grantStartExecution(policy);
    stageOut.grantStartExecution(policy);
    expect(nagFindings(stack)).toEqual([]);
    expect(() => synthesizeBoth(f.stack, stack)).not.toThrow();
  });

  test('stage in and stage out as pools of three tasks, whose caller may start and cancel each', () => {
    const { fixtures: f, stack } = fixturesAndTestStack();
    const stageIn = new StageInTransfer(stack, 'StageIn', {
      network: f.network, sourceBucket: f.uploads, sourcePrefix: 'uploads/', fileSystem: f.fileSystem, accessPoint: f.accessPoint, poolSize: 3,
    });
    const stageOut = new StageOutTransfer(stack, 'StageOut', {
      network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, destinationBucket: f.reports, destinationPrefix: 'reports/', poolSize: 3,
    });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    const policy = new iam.ManagedPolicy(stack, 'CallerPolicy', { roles: [caller] });
    for (const transfer of [stageIn, stageOut]) {
      transfer.grantStartExecution(policy);
      transfer.grantCancelExecution(policy);
    }
    expect(nagFindings(stack)).toEqual([]);
    expect(() => synthesizeBoth(f.stack, stack)).not.toThrow();
  });

  test('with an imported bucket, whose ARN holds "::"', () => {
    const { fixtures: f, stack } = fixturesAndTestStack();
    new StageInTransfer(stack, 'StageIn', {
      vpc: f.network.vpc, sourceBucket: s3.Bucket.fromBucketName(stack, 'Existing', 'existing-uploads'), fileSystem: f.fileSystem, accessPoint: f.accessPoint,
    });
    expect(nagFindings(stack)).toEqual([]);
    expect(() => synthesizeBoth(f.stack, stack)).not.toThrow();
  });
});

describe('nag acknowledgements', () => {
  test('are specific (one rule, one resource) and each carries a reason', () => {
    const { fixtures: f, stack } = fixturesAndTestStack();
    new StageInTransfer(stack, 'StageIn', {
      network: f.network,
      sourceBucket: f.uploads,
      sourcePrefix: 'uploads/',
      fileSystem: f.fileSystem,
      accessPoint: f.accessPoint,
      taskReport: { bucket: f.reports },
    });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    (stack.node.findChild('StageIn') as StageInTransfer).grantStartExecution(caller);
    const acknowledged: Record<string, string> = {};
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules')) {
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged[`${construct.node.path} ${id.replace(/^annotation::/i, '')}`] = reason;
        }
      }
    }
    expect(Object.keys(acknowledged).sort()).toEqual([
      expect.stringMatching(/^Test\/Caller AwsSolutions-IAM5\[Resource::<StageInTask\w+\.TaskArn>\/execution\/\*\]$/),
      'Test/StageIn/Manifests/Bucket AwsSolutions-S1',
      'Test/StageIn/Manifests/Bucket NIST.800.53.R5-S3BucketLoggingEnabled',
      'Test/StageIn/Manifests/Bucket NIST.800.53.R5-S3BucketReplicationEnabled',
      'Test/StageIn/Manifests/Bucket NIST.800.53.R5-S3BucketVersioningEnabled',
      'Test/StageIn/Manifests/Bucket NIST.800.53.R5-S3DefaultEncryptionKMS',
      expect.stringMatching(/^Test\/StageIn\/Manifests\/ReadRolePolicy AwsSolutions-IAM5\[Resource::<StageInManifestsBucket\w+\.Arn>\/manifests\/\*\]$/),
      expect.stringMatching(/^Test\/StageIn\/Source\/BucketAccessRolePolicy AwsSolutions-IAM5\[Resource::<Uploads\w+\.Arn>\/uploads\/\*\]$/),
      'Test/StageIn/Task/LogGroup NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      expect.stringMatching(/^Test\/StageIn\/Task\/TaskReportRolePolicy AwsSolutions-IAM5\[Resource::<Reports\w+\.Arn>\/datasync-reports\/\*\]$/),
    ]);
    for (const reason of Object.values(acknowledged)) {
      expect(reason.length).toBeGreaterThan(60);
    }
  });
});
