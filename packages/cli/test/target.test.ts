import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { capture, deployStack, REGION, REPORTS_BUCKET, STACK, STATE_MACHINE_ARN, TARGET, UPLOAD_BUCKET, WORKSPACE_FUNCTION, WORKSPACE_LOG_GROUP } from './fixtures/deployed-stack';
import { main } from '../src/cli';
import { EXIT } from '../src/cli-error';
import { resolveTarget } from '../src/target/pipeline-target';

const cloudFormation = mockClient(CloudFormationClient);

beforeEach(() => cloudFormation.reset());

describe('finding the pipeline of a deployed stack', () => {
  test('given a deployed pipeline stack, when resolved, then the state machine, buckets, report prefix and workspace log group are the deployed ones', async () => {
    deployStack(cloudFormation);

    const target = await resolveTarget({ connection: { region: REGION }, stack: STACK });

    expect(target.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(target.upload).toEqual({ bucket: UPLOAD_BUCKET, prefix: 'incoming/', suffix: undefined, versioned: true });
    expect(target.reports).toEqual({ bucket: REPORTS_BUCKET, before: 'reports/runs/', after: '/out/' });
    expect(target.workspaceFunction).toEqual({ name: WORKSPACE_FUNCTION, logGroup: WORKSPACE_LOG_GROUP });
  });

  test('given a stack that holds no pipeline, when a command runs, then it says so and which stack to pass', async () => {
    deployStack(cloudFormation, { template: { Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } } });
    const output = capture();

    const code = await main(['runs', ...TARGET], output);

    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toContain(`the stack ${STACK} holds no pipeline`);
    expect(output.notes.join('\n')).toContain('what to do: pass the stack that holds your BatchPipeline');
  });

  test('given a stack whose creation failed (ROLLBACK_COMPLETE), when a command runs, then it says the stack holds nothing and to delete and deploy it again', async () => {
    deployStack(cloudFormation, { status: 'ROLLBACK_COMPLETE' });
    const output = capture();

    const code = await main(['runs', ...TARGET], output);

    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toContain('failed to create and holds nothing (ROLLBACK_COMPLETE)');
    expect(output.notes.join('\n')).toContain(`aws cloudformation delete-stack --stack-name ${STACK}`);
  });

  test('given a stack name that does not exist, when a command runs, then it says to check the name and region', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError', $metadata: {} }));
    const output = capture();

    const code = await main(['runs', '--stack', 'Nope', '--region', REGION], output);

    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toContain('there is no stack Nope');
    expect(output.notes.join('\n')).toContain('--region');
  });

  test('given expired credentials (ExpiredToken), when a command runs, then it says to refresh them, with no stack trace', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredToken', $metadata: { httpStatusCode: 403 } }));
    const output = capture();

    const code = await main(['runs', ...TARGET], output);

    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toContain('the AWS credentials have expired');
    expect(output.notes.join('\n')).toContain('aws sso login');
    expect(output.notes.join('\n')).not.toMatch(/\n\s+at /);
  });

  test('given no credentials anywhere (CredentialsProviderError), when a command runs, then it says how to sign in or use a local endpoint', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const output = capture();

    const code = await main(['runs', ...TARGET], output);

    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toContain('no AWS credentials were found');
    expect(output.notes.join('\n')).toContain('--endpoint-url');
  });

  test('given neither a stack nor an endpoint outside an app folder, when a command runs, then it says the folder holds no app and which target to pass', async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    delete process.env.AWS_ENDPOINT_URL;
    const output = capture();

    const code = await main(['runs'], output);

    process.env.AWS_ENDPOINT_URL = saved;
    expect(code).toBe(EXIT.userError);
    expect(output.notes.join('\n')).toContain('there is no cloud assembly');
    expect(output.notes.join('\n')).toContain('pass --stack <name>');
  });
});
