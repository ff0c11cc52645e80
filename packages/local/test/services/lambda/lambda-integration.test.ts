import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ACCOUNT, REGION, Scratch } from './fixtures';
import { LocalFunction, PipelineModel } from '../../../src/model/pipeline-model';
import { localMountFolder } from '../../../src/services/lambda/function-environment';
import { FunctionRunner } from '../../../src/services/lambda/function-runner';
import { LAMBDA_INVOKE_RESOURCE, LambdaIntegration } from '../../../src/services/lambda/lambda-integration';
import { LocalS3Endpoint } from '../../../src/services/s3/local-s3-endpoint';
import { TaskRequest } from '../../../src/services/task-integration';

/** The real bundled workspace function of the orchestration package (`npx projen bundle` there builds it). */
const WORKSPACE_BUNDLE = path.resolve(__dirname, '..', '..', '..', '..', 'orchestration', 'assets', 'workspace', 'run-workspace.lambda');
const MOUNT = { mountPath: '/mnt/pipeline', fileSystemLogicalId: 'PipelineFileSystem', rootDirectory: '/pipeline' };

let scratch: Scratch;
let runner: FunctionRunner;
let s3: LocalS3Endpoint | undefined;

beforeEach(() => {
  scratch = new Scratch();
});

afterEach(async () => {
  await runner?.stop();
  await s3?.stop();
  s3 = undefined;
  scratch.dispose();
});

function integrationFor(functions: LocalFunction[], endpoints = {}): LambdaIntegration {
  const model = { stackName: 'Test', region: REGION, account: ACCOUNT, functions: new Map(functions.map((fn) => [fn.arn, fn])) } as unknown as PipelineModel;
  runner = new FunctionRunner({ state: scratch.state, region: REGION, endpoints, events: scratch.sink });
  return new LambdaIntegration({ model, state: scratch.state, timeScale: 1, events: scratch.sink }, runner);
}

function task(parameters: Record<string, unknown>, execution = 'run-1'): TaskRequest {
  return { resource: LAMBDA_INVOKE_RESOURCE, stateName: 'Invoke', parameters, execution: { name: execution, arn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:sm:${execution}` } };
}

function workspaceFunction(): LocalFunction {
  return {
    logicalId: 'RunWorkspaceFunction',
    name: 'Test-RunWorkspaceFunction-ABC123',
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:Test-RunWorkspaceFunction-ABC123`,
    codeDirectory: WORKSPACE_BUNDLE,
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    environment: { WORKSPACE_MOUNT_PATH: '/mnt/pipeline' },
    timeoutSeconds: 60,
    memoryMiB: 512,
    mounts: [MOUNT],
  };
}

describe('LambdaIntegration: lambda:invoke as Step Functions runs it', () => {
  test('answers lambda:invoke and a function ARN resource, nothing else', () => {
    const integration = integrationFor([]);
    expect(integration.handles(LAMBDA_INVOKE_RESOURCE)).toBe(true);
    expect(integration.handles(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:f`)).toBe(true);
    expect(integration.handles('arn:aws:states:::lambda:invoke.waitForTaskToken')).toBe(false);
    expect(integration.handles('arn:aws:states:::batch:submitJob.sync')).toBe(false);
  });

  test('the result is Invoke\'s response with the payload parsed, as the optimized integration returns it', async () => {
    const fn = scratch.fn('echo', 'exports.handler = async (event) => ({ got: event });');
    const output = await integrationFor([fn]).call(task({ FunctionName: fn.arn, Payload: { a: 1 } })) as Record<string, any>;
    expect(output).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { got: { a: 1 } },
      SdkHttpMetadata: {
        AllHttpHeaders: expect.objectContaining({ 'X-Amz-Executed-Version': ['$LATEST'], 'x-amzn-RequestId': [output.SdkResponseMetadata.RequestId] }),
        HttpHeaders: expect.objectContaining({ 'Content-Type': 'application/json', 'x-amzn-RequestId': output.SdkResponseMetadata.RequestId }),
        HttpStatusCode: 200,
      },
      SdkResponseMetadata: { RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      StatusCode: 200,
    });
  });

  test('FunctionName may be the name, the ARN, the ARN with :$LATEST or a partial ARN; the execution name keys the log file', async () => {
    const fn = scratch.fn('named', 'exports.handler = async (event, context) => context.invokedFunctionArn;');
    const integration = integrationFor([fn]);
    for (const name of ['named', fn.arn, `${fn.arn}:$LATEST`, `${ACCOUNT}:function:named`]) {
      const output = await integration.call(task({ FunctionName: name, Payload: {} }, 'exec-a')) as { Payload: string };
      expect(output.Payload).toBe(name.startsWith('arn:') ? name : fn.arn);
    }
    expect(readFileSync(scratch.state.logFile('named', 'exec-a'), 'utf-8').match(/^START /gm)).toHaveLength(4);
  });

  test('an unknown function, another region or a published version is Lambda.ResourceNotFoundException', async () => {
    const fn = scratch.fn('known', 'exports.handler = async () => 1;');
    const integration = integrationFor([fn]);
    await expect(integration.call(task({ FunctionName: 'unknown' }))).rejects.toMatchObject({
      name: 'Lambda.ResourceNotFoundException', message: expect.stringMatching(new RegExp(`^Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:unknown \\(Service: Lambda, Status Code: 404`)),
    });
    await expect(integration.call(task({ FunctionName: fn.arn.replace(REGION, 'us-east-1') }))).rejects.toMatchObject({ name: 'Lambda.ResourceNotFoundException' });
    await expect(integration.call(task({ FunctionName: `${fn.arn}:3` }))).rejects.toMatchObject({ name: 'Lambda.ResourceNotFoundException', message: expect.stringContaining('function:known:3') });
    await expect(integration.call(task({ FunctionName: 'known', Qualifier: 'live' }))).rejects.toMatchObject({ name: 'Lambda.ResourceNotFoundException' });
  });

  test('a thrown error fails the task with its name as the error and the runtime\'s error payload as the cause', async () => {
    const fn = scratch.fn('fails', 'exports.handler = async () => { const e = new Error(\'12 bytes, expected 13\'); e.name = \'SizeMismatch\'; throw e; };');
    const failure = await integrationFor([fn]).call(task({ FunctionName: 'fails', Payload: {} })).catch((error: Error) => error) as Error;
    expect(failure.name).toBe('SizeMismatch');
    expect(JSON.parse(failure.message)).toEqual({ errorType: 'SizeMismatch', errorMessage: '12 bytes, expected 13', trace: expect.arrayContaining(['SizeMismatch: 12 bytes, expected 13']) });
  });

  test('a timeout fails the task with Sandbox.Timedout; an import error with Runtime.ImportModuleError', async () => {
    const slow = scratch.fn('slow', 'exports.handler = () => new Promise(() => {});', { timeoutSeconds: 1 });
    const broken = scratch.fn('broken', undefined);
    const integration = integrationFor([slow, broken]);
    const timedOut = await integration.call(task({ FunctionName: 'slow' })).catch((error: Error) => error) as Error;
    expect(timedOut.name).toBe('Sandbox.Timedout');
    expect(JSON.parse(timedOut.message)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/) });
    await expect(integration.call(task({ FunctionName: 'broken' }))).rejects.toMatchObject({ name: 'Runtime.ImportModuleError', message: expect.stringContaining('Cannot find module') });
  });

  test('a Payload over 6 MB is Lambda.RequestTooLargeException', async () => {
    const fn = scratch.fn('small', 'exports.handler = async () => 1;');
    await expect(integrationFor([fn]).call(task({ FunctionName: 'small', Payload: { data: 'x'.repeat(6 * 1024 * 1024) } }))).rejects.toMatchObject({
      name: 'Lambda.RequestTooLargeException', message: expect.stringMatching(/^Request must be smaller than 6291456 bytes for the InvokeFunction operation \(Service: Lambda, Status Code: 413/),
    });
  });

  test('without Payload the function gets {}; InvocationType Event answers 202 and runs the function in the background', async () => {
    const marker = path.join(scratch.root, 'ran.json');
    const fn = scratch.fn('bg', `exports.handler = async (event) => { require('node:fs').writeFileSync(${JSON.stringify(marker)}, JSON.stringify(event)); return 'done'; };`);
    const integration = integrationFor([fn]);
    expect(await integration.call(task({ FunctionName: 'bg' }))).toMatchObject({ Payload: 'done', StatusCode: 200 });
    expect(JSON.parse(readFileSync(marker, 'utf-8'))).toEqual({});
    const accepted = await integration.call(task({ FunctionName: 'bg', InvocationType: 'Event', Payload: { n: 2 } }));
    expect(accepted).toMatchObject({ StatusCode: 202, Payload: '' });
    for (let i = 0; i < 100 && !readFileSync(marker, 'utf-8').includes('"n"'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(readFileSync(marker, 'utf-8'))).toEqual({ n: 2 });
  });

  test('the legacy Resource (the function ARN) passes the input as the event and returns the payload alone', async () => {
    const fn = scratch.fn('legacy', 'exports.handler = async (event) => ({ twice: event.n * 2 });');
    const integration = integrationFor([fn]);
    expect(await integration.call({ ...task({ n: 21 }), resource: fn.arn })).toEqual({ twice: 42 });
  });
});

// The real bundle is the orchestration package's asset: Nx bundles it before this package's build
// (packages/local's package.json), so in CI it is always there; a missing one fails, never skips.
beforeAll(() => {
  if (!existsSync(path.join(WORKSPACE_BUNDLE, 'index.js'))) {
    throw new Error(`the orchestration bundle ${WORKSPACE_BUNDLE} is missing: run \`npx projen bundle\` in packages/orchestration`);
  }
});
const describeWithBundle = describe;

describeWithBundle('LambdaIntegration with the real bundled workspace function', () => {
  test('prepare moves the staged upload into the run\'s directory on the local EFS folder', async () => {
    // Given a file staged on the access point, as stage-in leaves it
    const fn = workspaceFunction();
    const integration = integrationFor([fn]);
    const root = localMountFolder(scratch.state, MOUNT);
    mkdirSync(path.join(root, 'staging'), { recursive: true });
    writeFileSync(path.join(root, 'staging', 'run-a1'), 'a,b\n1,2\n');
    // When the state machine's Prepare step invokes the function
    const output = await integration.call(task({ FunctionName: fn.arn, Payload: { action: 'prepare', runId: 'run-a1', stagedPath: '/staging/run-a1', fileName: 'data.csv' } }, 'run-a1')) as { Payload: unknown };
    // Then the file is in the run's input directory under the local folder of /mnt/pipeline, and the output directory exists
    expect(output.Payload).toEqual({ inputPath: '/runs/run-a1/in/data.csv', outputDirectory: '/runs/run-a1/out' });
    expect(readFileSync(path.join(root, 'runs', 'run-a1', 'in', 'data.csv'), 'utf-8')).toBe('a,b\n1,2\n');
    expect(existsSync(path.join(root, 'runs', 'run-a1', 'out'))).toBe(true);
    expect(existsSync(path.join(root, 'staging', 'run-a1'))).toBe(false);
    // And the function's log line is in the run's log file
    expect(readFileSync(scratch.state.logFile(fn.name, 'run-a1'), 'utf-8')).toContain('"outcome":"prepared"');
  });

  test('a missing staged file fails the task with StagedFileMissing, the error the definition catches', async () => {
    const fn = workspaceFunction();
    const failure = await integrationFor([fn]).call(task({ FunctionName: fn.name, Payload: { action: 'prepare', runId: 'run-b2', stagedPath: '/staging/gone', fileName: 'x.csv' } }))
      .catch((error: Error) => error) as Error;
    expect(failure.name).toBe('StagedFileMissing');
    expect(JSON.parse(failure.message)).toMatchObject({ errorType: 'StagedFileMissing', errorMessage: expect.stringContaining('/staging/gone is not on the file system'), trace: expect.any(Array) });
  });

  test('stage-in reads the upload from the local S3 endpoint the SDK settings name, and a size other than the event\'s is SizeMismatch', async () => {
    // Given a local S3 endpoint with an 8-byte object
    s3 = await LocalS3Endpoint.start(path.join(scratch.root, 'buckets'));
    s3.createBucket('uploads', { versioned: false });
    const client = new S3Client({ endpoint: s3.url, region: REGION, forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'in/data.csv', Body: 'a,b\n1,2\n' }));
    client.destroy();
    const fn = workspaceFunction();
    const integration = integrationFor([fn], { s3: s3.url });
    const request = { action: 'stage-in', runId: 'run-c3', stagedPath: '/staging/run-c3', bucket: 'uploads', key: 'in/data.csv', versionId: null, fileName: 'data.csv' };
    // When stage-in runs with the right size, then with a wrong one
    const staged = await integration.call(task({ FunctionName: fn.name, Payload: { ...request, size: 8 } })) as { Payload: Record<string, unknown> };
    const failure = await integration.call(task({ FunctionName: fn.name, Payload: { ...request, runId: 'run-c4', size: 9 } })).catch((error: Error) => error) as Error;
    // Then the first copied the object onto the local EFS folder; the second failed as the definition expects
    expect(staged.Payload).toMatchObject({ inputPath: '/runs/run-c3/in/data.csv', bytes: 8 });
    expect(readFileSync(path.join(localMountFolder(scratch.state, MOUNT), 'runs', 'run-c3', 'in', 'data.csv'), 'utf-8')).toBe('a,b\n1,2\n');
    expect(failure.name).toBe('SizeMismatch');
    expect(JSON.parse(failure.message)).toMatchObject({ errorType: 'SizeMismatch', errorMessage: expect.stringContaining('is 8 bytes but the upload event said 9') });
    expect(s3.operations.filter((operation) => operation.operation === 'GetObject')).toHaveLength(2);
  });
});
