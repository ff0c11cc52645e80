import { LocalIdentifiers, TemplateResource } from '../../src/assembly/local-identifiers';

const REGION = 'eu-west-2';
const ACCOUNT = '123456789012';

function identifiers(resources: Record<string, TemplateResource>, stackName = 'MyStack', parameters: Record<string, string> = {}): LocalIdentifiers {
  return new LocalIdentifiers(stackName, resources, REGION, ACCOUNT, parameters);
}

/** S3 bucket naming rules (S3 User Guide, "General purpose bucket naming rules"). */
function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)
    && !name.includes('..')
    && !/^\d+\.\d+\.\d+\.\d+$/.test(name)
    && !/^(xn--|sthree-|amzn-s3-demo-)/.test(name)
    && !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name);
}

const LONG_STACK = 'BatchPipelineExampleWithAVeryLongStackNameThatGoesOnAndOnForTheSakeOfTheTest';

describe('AWS::S3::Bucket', () => {
  test('Ref is the bucket name; Arn, DomainName and RegionalDomainName follow it', () => {
    const ids = identifiers({ Uploads: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'my-uploads' } } });
    expect(ids.ref('Uploads')).toBe('my-uploads');
    expect(ids.getAtt('Uploads', 'Arn')).toBe('arn:aws:s3:::my-uploads');
    expect(ids.getAtt('Uploads', 'DomainName')).toBe('my-uploads.s3.amazonaws.com');
    expect(ids.getAtt('Uploads', 'RegionalDomainName')).toBe('my-uploads.s3.eu-west-2.amazonaws.com');
  });

  test.each([
    ['MyStack', 'UploadBucketD2C1DA78'],
    [LONG_STACK, 'UploadBucketD2C1DA78WithAnEvenLongerLogicalIdThanUsual'],
    ['Sthree', 'Bucket'],
    ['Xn-', 'Bucket'],
  ])('a generated name for stack %s and bucket %s is a valid bucket name', (stackName, logicalId) => {
    const name = identifiers({ [logicalId]: { Type: 'AWS::S3::Bucket' } }, stackName).nameOf(logicalId);
    expect(isValidBucketName(name)).toBe(true);
    expect(name).toContain(stackName.toLowerCase().slice(0, 10).replace(/-$/, ''));
  });

  test('two long logical ids that share a prefix get different generated names', () => {
    const a = `${'Bucket'.repeat(12)}A`;
    const b = `${'Bucket'.repeat(12)}B`;
    const ids = identifiers({ [a]: { Type: 'AWS::S3::Bucket' }, [b]: { Type: 'AWS::S3::Bucket' } });
    expect(ids.nameOf(a)).not.toBe(ids.nameOf(b));
  });

  test('a name the template builds with an intrinsic is resolved, so that references to it agree', () => {
    const ids = identifiers({
      Reports: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Join': ['-', ['reports', { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }]] } } },
    });
    expect(ids.ref('Reports')).toBe('reports-123456789012-eu-west-2');
    expect(ids.getAtt('Reports', 'Arn')).toBe('arn:aws:s3:::reports-123456789012-eu-west-2');
  });
});

describe('AWS::Lambda::Function', () => {
  test('Ref is the function name, Arn its function ARN', () => {
    const ids = identifiers({ Trigger: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'trigger' } } });
    expect(ids.ref('Trigger')).toBe('trigger');
    expect(ids.getAtt('Trigger', 'Arn')).toBe('arn:aws:lambda:eu-west-2:123456789012:function:trigger');
  });

  test('a generated function name has at most 64 characters of letters, digits, hyphens and underscores', () => {
    const logicalId = 'TriggerFunctionWithAVeryLongLogicalIdentifier0123456789ABCDEF';
    const name = identifiers({ [logicalId]: { Type: 'AWS::Lambda::Function' } }, LONG_STACK).nameOf(logicalId);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('AWS::StepFunctions::StateMachine', () => {
  test('Ref is the state machine ARN; Arn the same, Name the name', () => {
    const ids = identifiers({ Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'Pipeline' } } });
    expect(ids.ref('Machine')).toBe('arn:aws:states:eu-west-2:123456789012:stateMachine:Pipeline');
    expect(ids.getAtt('Machine', 'Arn')).toBe(ids.ref('Machine'));
    expect(ids.getAtt('Machine', 'Name')).toBe('Pipeline');
  });

  test('a generated state machine name has at most 80 characters', () => {
    const logicalId = `StateMachine${'X'.repeat(90)}`;
    const name = identifiers({ [logicalId]: { Type: 'AWS::StepFunctions::StateMachine' } }, LONG_STACK).nameOf(logicalId);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('AWS::SNS::Topic', () => {
  test('Ref is the topic ARN; TopicArn the same, TopicName the name', () => {
    const ids = identifiers({ Failures: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'failures' } } });
    expect(ids.ref('Failures')).toBe('arn:aws:sns:eu-west-2:123456789012:failures');
    expect(ids.getAtt('Failures', 'TopicArn')).toBe(ids.ref('Failures'));
    expect(ids.getAtt('Failures', 'TopicName')).toBe('failures');
  });
});

describe('AWS::Batch::JobQueue and AWS::Batch::JobDefinition', () => {
  test('Ref of a job queue is its ARN; JobQueueArn the same', () => {
    const ids = identifiers({ Queue: { Type: 'AWS::Batch::JobQueue', Properties: { JobQueueName: 'jobs' } } });
    expect(ids.ref('Queue')).toBe('arn:aws:batch:eu-west-2:123456789012:job-queue/jobs');
    expect(ids.getAtt('Queue', 'JobQueueArn')).toBe(ids.ref('Queue'));
  });

  test('Ref of a job definition is its ARN with the revision', () => {
    const ids = identifiers({ Job: { Type: 'AWS::Batch::JobDefinition', Properties: { JobDefinitionName: 'process' } } });
    expect(ids.ref('Job')).toBe('arn:aws:batch:eu-west-2:123456789012:job-definition/process:1');
  });
});

describe('AWS::DataSync::Task', () => {
  test('Ref is the task ARN (task- and 17 hexadecimal digits); TaskArn the same', () => {
    const ids = identifiers({ StageIn: { Type: 'AWS::DataSync::Task' } });
    expect(ids.ref('StageIn')).toMatch(/^arn:aws:datasync:eu-west-2:123456789012:task\/task-[0-9a-f]{17}$/);
    expect(ids.getAtt('StageIn', 'TaskArn')).toBe(ids.ref('StageIn'));
  });

  test('locations are loc- ARNs, different for different locations', () => {
    const ids = identifiers({ Source: { Type: 'AWS::DataSync::LocationS3' }, Target: { Type: 'AWS::DataSync::LocationEFS' } });
    expect(ids.ref('Source')).toMatch(/^arn:aws:datasync:eu-west-2:123456789012:location\/loc-[0-9a-f]{17}$/);
    expect(ids.getAtt('Target', 'LocationArn')).toMatch(/location\/loc-[0-9a-f]{17}$/);
    expect(ids.ref('Source')).not.toBe(ids.ref('Target'));
  });
});

describe('AWS::EFS::FileSystem and AWS::EFS::AccessPoint', () => {
  test('Ref of a file system is its id (fs-); FileSystemId the same, Arn the file-system ARN', () => {
    const ids = identifiers({ Efs: { Type: 'AWS::EFS::FileSystem' } });
    const id = ids.ref('Efs')!;
    expect(id).toMatch(/^fs-[0-9a-f]{17}$/);
    expect(ids.getAtt('Efs', 'FileSystemId')).toBe(id);
    expect(ids.getAtt('Efs', 'Arn')).toBe(`arn:aws:elasticfilesystem:eu-west-2:123456789012:file-system/${id}`);
  });

  test('Ref of an access point is its id (fsap-); AccessPointId the same, Arn the access-point ARN', () => {
    const ids = identifiers({ Ap: { Type: 'AWS::EFS::AccessPoint' } });
    const id = ids.ref('Ap')!;
    expect(id).toMatch(/^fsap-[0-9a-f]{17}$/);
    expect(ids.getAtt('Ap', 'AccessPointId')).toBe(id);
    expect(ids.getAtt('Ap', 'Arn')).toBe(`arn:aws:elasticfilesystem:eu-west-2:123456789012:access-point/${id}`);
  });

  test('ids are stable for the same stack and logical id', () => {
    const resources: Record<string, TemplateResource> = { Efs: { Type: 'AWS::EFS::FileSystem' } };
    expect(identifiers(resources).ref('Efs')).toBe(identifiers(resources).ref('Efs'));
    expect(identifiers(resources, 'OtherStack').ref('Efs')).not.toBe(identifiers(resources).ref('Efs'));
  });
});

describe('parameters and unknown names', () => {
  test('a Ref to a parameter is its default value', () => {
    expect(identifiers({}, 'MyStack', { Environment: 'dev' }).ref('Environment')).toBe('dev');
  });

  test('a Ref or Fn::GetAtt of something the template does not define is undefined', () => {
    const ids = identifiers({ Bucket: { Type: 'AWS::S3::Bucket' } });
    expect(ids.ref('Missing')).toBeUndefined();
    expect(ids.getAtt('Missing', 'Arn')).toBeUndefined();
    expect(ids.ref('constructor')).toBeUndefined();
    expect(ids.ref('toString')).toBeUndefined();
  });
});
