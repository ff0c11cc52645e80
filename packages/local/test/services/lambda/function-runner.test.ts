import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { alive, REGION, Scratch } from './fixtures';
import { LocalRuntimeError } from '../../../src/runtime/local-runtime-error';
import { localMountFolder } from '../../../src/services/lambda/function-environment';
import { FunctionRunner } from '../../../src/services/lambda/function-runner';

let scratch: Scratch;
let runner: FunctionRunner;

function newRunner(options: { maxEnvironmentsPerFunction?: number; maxEnvironments?: number } = {}): FunctionRunner {
  runner = new FunctionRunner({ state: scratch.state, region: REGION, endpoints: { s3: 'http://127.0.0.1:9/', stepFunctions: 'http://127.0.0.1:8/' }, events: scratch.sink, ...options });
  return runner;
}

beforeEach(() => {
  scratch = new Scratch();
});

afterEach(async () => {
  await runner?.stop();
  scratch.dispose();
});

const REPORT_ENV = 'exports.handler = async () => ({ env: process.env, cwd: process.cwd(), tmp: require(\'node:os\').tmpdir() });';

describe('FunctionRunner: the environment of a function', () => {
  test('a variable under a mount path points to the mount\'s local folder, and the SDK settings point to the local endpoints', async () => {
    // Given a function that mounts an access point at /mnt/pipeline and names paths under it
    const mount = { mountPath: '/mnt/pipeline', fileSystemLogicalId: 'Workspace', rootDirectory: '/pipeline' };
    const fn = scratch.fn('report-env', REPORT_ENV, {
      environment: { WORKSPACE_MOUNT_PATH: '/mnt/pipeline', RUNS: '/mnt/pipeline/runs', OTHER: '/mnt/pipelined', PLAIN: 'x' },
      mounts: [mount],
    });
    // When it runs
    const result = await newRunner().invoke(fn, {});
    const { env, cwd, tmp } = JSON.parse(result.payload);
    // Then the mount path is the local folder of the access point root (which exists), prefixes are respected
    const folder = localMountFolder(scratch.state, mount);
    expect(folder).toBe(path.join(scratch.state.root, 'efs', 'Workspace', 'pipeline'));
    expect(env.WORKSPACE_MOUNT_PATH).toBe(folder);
    expect(env.RUNS).toBe(`${folder}/runs`);
    expect(env.OTHER).toBe('/mnt/pipelined');
    expect(env.PLAIN).toBe('x');
    // And the SDK reaches the local endpoints with dummy credentials, no shared config
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9/',
      AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:8/',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'AKIDLOCALRUNTIME',
    });
    // And Lambda's own variables are there; the working directory is the code directory; /tmp is the environment's own
    expect(env).toMatchObject({
      _HANDLER: 'index.handler',
      LAMBDA_TASK_ROOT: fn.codeDirectory,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: 'report-env',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/report-env',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
    });
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(cwd).toBe(fn.codeDirectory);
    expect(tmp).toBe(env.TMPDIR);
    expect(tmp.startsWith(path.join(scratch.state.workDirectory, 'lambda', 'report-env'))).toBe(true);
  });

  test('nothing of this process\'s environment reaches a function but PATH: no AWS settings, no proxies, no NODE_OPTIONS', async () => {
    // Given this process has credentials, a profile, proxies and node options
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIAREALKEY',
      AWS_PROFILE: 'prod',
      AWS_ENDPOINT_URL: 'https://example.com',
      HTTPS_PROXY: 'http://proxy:3128',
      https_proxy: 'http://proxy:3128',
      NO_PROXY: '*',
      NODE_OPTIONS: '--no-warnings',
      SECRET_OF_THE_RUNTIME: 'x',
    });
    try {
      // When a function runs
      const { env } = JSON.parse((await newRunner().invoke(scratch.fn('clean', REPORT_ENV), {})).payload);
      // Then it sees none of them
      for (const name of ['AWS_PROFILE', 'AWS_ENDPOINT_URL', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'NODE_OPTIONS', 'SECRET_OF_THE_RUNTIME', 'HOME']) {
        expect(env[name]).toBeUndefined();
      }
      expect(env.AWS_ACCESS_KEY_ID).toBe('AKIDLOCALRUNTIME');
      expect(env.PATH).toBe(saved.PATH);
    } finally {
      for (const name of Object.keys(process.env)) {
        if (!(name in saved)) delete process.env[name];
      }
      Object.assign(process.env, saved);
    }
  });

  test('two functions each see their own variables, even when they run at the same time, and this process\'s env is untouched', async () => {
    // Given two functions with the same variable set differently
    const source = 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 200)); return process.env.COLOUR; };';
    const red = scratch.fn('red', source, { environment: { COLOUR: 'red' } });
    const blue = scratch.fn('blue', source, { environment: { COLOUR: 'blue' } });
    // When both run concurrently, twice each
    const r = newRunner();
    const results = await Promise.all([r.invoke(red, {}), r.invoke(blue, {}), r.invoke(red, {}), r.invoke(blue, {})]);
    // Then each saw its own value
    expect(results.map((result) => JSON.parse(result.payload))).toEqual(['red', 'blue', 'red', 'blue']);
    expect(process.env.COLOUR).toBeUndefined();
  });
});

describe('FunctionRunner: execution environments', () => {
  test('a warm environment is reused: globals persist, only the first invocation is a cold start', async () => {
    // Given a function that counts its invocations in a global
    const fn = scratch.fn('counter', 'let count = 0; exports.handler = async (event) => ({ count: ++count, pid: process.pid, event });');
    const r = newRunner();
    // When it is invoked three times, one after the other
    const results = [await r.invoke(fn, { n: 1 }), await r.invoke(fn, { n: 2 }), await r.invoke(fn, { n: 3 })];
    // Then one process ran all three and kept its state
    const payloads = results.map((result) => JSON.parse(result.payload));
    expect(payloads.map((p) => p.count)).toEqual([1, 2, 3]);
    expect(new Set(payloads.map((p) => p.pid)).size).toBe(1);
    expect(payloads[2].event).toEqual({ n: 3 });
    expect(results.map((result) => result.coldStart)).toEqual([true, false, false]);
    expect(results[0].initDurationMs).toBeGreaterThan(0);
    expect(results[1].initDurationMs).toBeUndefined();
    expect(r.environments()).toEqual({ counter: 1 });
  });

  test('concurrent invocations start environments up to the per-function limit and queue beyond it', async () => {
    // Given a function that takes 300 ms and a limit of 2 environments per function
    const fn = scratch.fn('slow', `let busy = false; exports.handler = async () => {
      if (busy) throw new Error('two invocations at once in one environment');
      busy = true; await new Promise((r) => setTimeout(r, 300)); busy = false; return process.pid; };`);
    const r = newRunner({ maxEnvironmentsPerFunction: 2 });
    // When 6 invocations arrive at once
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 6 }, () => r.invoke(fn, {})));
    // Then 2 processes ran them, one at a time each: at least 3 rounds
    expect(results.every((result) => !result.functionError)).toBe(true);
    expect(new Set(results.map((result) => result.payload)).size).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(r.environments()).toEqual({ slow: 2 });
  });

  test('at the total limit, an idle environment of another function makes room', async () => {
    // Given a total limit of one environment, and a warm environment of function a
    const a = scratch.fn('a', 'exports.handler = async () => process.pid;');
    const b = scratch.fn('b', 'exports.handler = async () => process.pid;');
    const r = newRunner({ maxEnvironments: 1 });
    const pidA = Number((await r.invoke(a, {})).payload);
    // When function b is invoked
    const pidB = Number((await r.invoke(b, {})).payload);
    // Then a's environment was ended for b's
    expect(pidB).not.toBe(pidA);
    expect(r.environments()).toEqual({ a: 0, b: 1 });
    expect(alive(pidA)).toBe(false);
  });

  test('at the total limit with every environment busy, an invocation of another function waits for one to end', async () => {
    const source = 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 300)); return process.pid; };';
    const a = scratch.fn('busy-a', source);
    const b = scratch.fn('busy-b', source);
    const r = newRunner({ maxEnvironments: 1 });
    const started = Date.now();
    const [pidA, pidB] = (await Promise.all([r.invoke(a, {}), r.invoke(b, {})])).map((result) => Number(result.payload));
    expect(pidA).not.toBe(pidB);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(alive(pidA)).toBe(false);
  });

  test('an environment idle for idleTimeoutSeconds is ended', async () => {
    const fn = scratch.fn('idler', 'exports.handler = async () => process.pid;');
    runner = new FunctionRunner({ state: scratch.state, region: REGION, endpoints: {}, idleTimeoutSeconds: 0.2 });
    const pid = Number((await runner.invoke(fn, {})).payload);
    for (let i = 0; i < 1000 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alive(pid)).toBe(false);
    expect(runner.environments()).toEqual({ idler: 0 });
    expect((await runner.invoke(fn, {})).coldStart).toBe(true);
  });

  test('stop ends every process', async () => {
    const fn = scratch.fn('stoppable', 'exports.handler = async () => process.pid;');
    const r = newRunner();
    const pids = (await Promise.all([r.invoke(fn, {}), r.invoke(fn, {})])).map((result) => Number(result.payload));
    await r.stop();
    expect(pids.some((pid) => alive(pid))).toBe(false);
    await expect(r.invoke(fn, {})).rejects.toMatchObject({ name: 'Lambda.ServiceException' });
  });
});

describe('FunctionRunner: handlers and context', () => {
  test('the context is Lambda\'s: request id, function name and ARN, memory, remaining time, log group and stream', async () => {
    const fn = scratch.fn('ctx', 'exports.handler = async (event, context) => ({ ...context, remaining: context.getRemainingTimeInMillis() });', { timeoutSeconds: 5 });
    const result = await newRunner().invoke(fn, {}, { invokedFunctionArn: `${scratch.fn('x', '').arn}:$LATEST` });
    const context = JSON.parse(result.payload);
    expect(context).toMatchObject({
      awsRequestId: result.requestId,
      functionName: 'ctx',
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      invokedFunctionArn: expect.stringMatching(/:function:x:\$LATEST$/),
      logGroupName: '/aws/lambda/ctx',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.remaining).toBeGreaterThan(1000);
    expect(context.remaining).toBeLessThanOrEqual(5000);
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('an ES module handler (index.mjs) and a nested handler path load as the runtime loads them', async () => {
    const esm = scratch.fn('esm', undefined, { codeDirectory: scratch.code({ 'index.mjs': 'export const handler = async () => "from esm";' }) });
    const nested = scratch.fn('nested', undefined, { codeDirectory: scratch.code({ 'src/app.js': 'exports.handlers = { main: async () => "nested" };' }), handler: 'src/app.handlers.main' });
    const r = newRunner();
    expect((await r.invoke(esm, {})).payload).toBe('"from esm"');
    expect((await r.invoke(nested, {})).payload).toBe('"nested"');
  });

  test('a callback handler works on nodejs22.x and is refused on nodejs24.x, as Lambda removed callbacks in Node.js 24', async () => {
    const source = 'exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { ok: true }), 10); };';
    const r = newRunner();
    expect(JSON.parse((await r.invoke(scratch.fn('cb22', source, { runtime: 'nodejs22.x' }), {})).payload)).toEqual({ ok: true });
    const refused = await r.invoke(scratch.fn('cb24', source, { runtime: 'nodejs24.x' }), {});
    expect(refused.functionError).toBe('Unhandled');
    expect(JSON.parse(refused.payload)).toMatchObject({ errorType: 'Runtime.CallbackHandlerDeprecated', errorMessage: expect.stringContaining('removed support for callback-based function handlers') });
  });

  test('undefined is returned as null; the event arrives as JSON', async () => {
    const fn = scratch.fn('nothing', 'exports.handler = async (event) => { if (event.when !== \'2026-12-01T00:00:00.000Z\') throw new Error(\'not JSON\'); };');
    const result = await newRunner().invoke(fn, { when: new Date('2026-12-01T00:00:00Z') });
    expect(result.functionError).toBeUndefined();
    expect(result.payload).toBe('null');
  });
});

describe('FunctionRunner: failures as Lambda reports them', () => {
  test('a thrown error is a function error with the runtime\'s payload, and the environment stays warm', async () => {
    const fn = scratch.fn('thrower', 'let n = 0; exports.handler = async () => { n++; if (n === 1) { const e = new Error(\'size differs\'); e.name = \'SizeMismatch\'; throw e; } return n; };');
    const r = newRunner();
    const failed = await r.invoke(fn, {});
    expect(failed.functionError).toBe('Unhandled');
    const payload = JSON.parse(failed.payload);
    expect(payload).toEqual({ errorType: 'SizeMismatch', errorMessage: 'size differs', trace: expect.arrayContaining(['SizeMismatch: size differs']) });
    expect((await r.invoke(fn, {})).payload).toBe('2');
    expect(readFileSync(failed.logFile, 'utf-8')).toContain('ERROR\tInvoke Error \t{"errorType":"SizeMismatch"');
  });

  test('a thrown string is reported with its type, as the runtime does', async () => {
    const result = await newRunner().invoke(scratch.fn('string-thrower', 'exports.handler = async () => { throw \'nope\'; };'), {});
    expect(JSON.parse(result.payload)).toEqual({ errorType: 'string', errorMessage: 'nope', trace: [] });
  });

  test('a timeout ends the environment with Sandbox.Timedout, and the next invocation starts a new one', async () => {
    // Given a function with a 1 second timeout whose first invocation never ends
    const fn = scratch.fn('sleeper', 'exports.handler = async (event) => { if (event.wait) { console.log(\'waiting\'); await new Promise(() => {}); } return process.pid; };',
      { timeoutSeconds: 1 });
    const r = newRunner();
    // When it is invoked
    const started = Date.now();
    const timedOut = await r.invoke(fn, { wait: true });
    // Then the invocation fails after the timeout as Lambda reports it
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(timedOut.functionError).toBe('Unhandled');
    expect(JSON.parse(timedOut.payload)).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${timedOut.requestId} Error: Task timed out after 1.00 seconds` });
    const log = readFileSync(timedOut.logFile, 'utf-8');
    expect(log).toContain('INFO\twaiting');
    expect(log).toContain(`${timedOut.requestId} Task timed out after 1.00 seconds`);
    expect(log).toMatch(/REPORT RequestId: .*Status: timeout/);
    // And the next invocation runs in a fresh environment
    const next = await r.invoke(fn, {});
    expect(next.coldStart).toBe(true);
    expect(next.functionError).toBeUndefined();
  });

  test('a missing handler file is Runtime.ImportModuleError; a missing export is Runtime.HandlerNotFound; a syntax error is Runtime.UserCodeSyntaxError', async () => {
    const r = newRunner();
    const missing = await r.invoke(scratch.fn('no-file', undefined), {});
    expect(missing.functionError).toBe('Unhandled');
    expect(JSON.parse(missing.payload)).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: expect.stringMatching(/^Error: Cannot find module 'index'/) });
    const notExported = await r.invoke(scratch.fn('no-export', 'exports.main = async () => 1;'), {});
    expect(JSON.parse(notExported.payload)).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.handler is undefined or not exported' });
    const syntax = await r.invoke(scratch.fn('syntax', 'exports.handler = async () => {'), {});
    expect(JSON.parse(syntax.payload)).toMatchObject({ errorType: 'Runtime.UserCodeSyntaxError', errorMessage: expect.stringContaining('SyntaxError') });
    expect(r.environments()).toEqual({ 'no-file': 0, 'no-export': 0, 'syntax': 0 });
  });

  test('a process that exits is Runtime.ExitError; an uncaught exception fails the invocation and ends the environment', async () => {
    const r = newRunner();
    const exited = await r.invoke(scratch.fn('exiter', 'exports.handler = async () => { process.exit(3); };'), {});
    expect(JSON.parse(exited.payload)).toEqual({ errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${exited.requestId} Error: Runtime exited with error: exit status 3` });
    const uncaught = await r.invoke(scratch.fn('uncaught', 'exports.handler = () => new Promise(() => { setTimeout(() => { throw new TypeError(\'late\'); }, 5); });'), {});
    expect(JSON.parse(uncaught.payload)).toMatchObject({ errorType: 'TypeError', errorMessage: 'late' });
    expect(r.environments()).toEqual({ exiter: 0, uncaught: 0 });
  });

  test('an environment that dies while idle is replaced: the next invocation starts a new one and succeeds', async () => {
    const fn = scratch.fn('dies-idle', 'exports.handler = async (event) => { if (event.crashLater) setTimeout(() => { throw new Error(\'later\'); }, 20); return process.pid; };');
    const r = newRunner();
    const pid = Number((await r.invoke(fn, { crashLater: true })).payload);
    for (let i = 0; i < 1000 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const next = await r.invoke(fn, {});
    expect(next.functionError).toBeUndefined();
    expect(next.coldStart).toBe(true);
    expect(Number(next.payload)).not.toBe(pid);
  });

  test('a runtime other than Node.js is refused with a clear error naming the function', async () => {
    const fn = scratch.fn('py', 'x', { runtime: 'python3.12', logicalId: 'PyFn' });
    expect(FunctionRunner.unsupportedReason(fn)).toContain("function 'py' (PyFn) has runtime 'python3.12'");
    await expect(newRunner().invoke(fn, {})).rejects.toThrow(LocalRuntimeError);
    await expect(runner.invoke(fn, {})).rejects.toThrow(/runs only Node\.js functions/);
  });

  test('an event over 6 MB is refused as Lambda refuses it; a response over 6 MB is Function.ResponseSizeTooLarge', async () => {
    const fn = scratch.fn('big', 'exports.handler = async (event) => event.reply ? \'x\'.repeat(6 * 1024 * 1024) : \'ok\';');
    const r = newRunner();
    await expect(r.invoke(fn, { data: 'x'.repeat(6 * 1024 * 1024) })).rejects.toMatchObject({
      name: 'Lambda.RequestTooLargeException', message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    });
    expect((await r.invoke(fn, { data: 'x'.repeat(6 * 1024 * 1024 - 100) })).payload).toBe('"ok"');
    const tooBig = await r.invoke(fn, { reply: true });
    expect(JSON.parse(tooBig.payload)).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
  });
});

describe('FunctionRunner: logs', () => {
  test('each invocation\'s output is appended to logs/<function>/<log key>.log between START, END and REPORT, and sent as log events', async () => {
    const fn = scratch.fn('logger', 'exports.handler = async (event) => { console.log(\'hello\', event.n); console.error(\'careful\'); process.stdout.write(\'raw\'); return 1; };');
    const r = newRunner();
    const first = await r.invoke(fn, { n: 1 }, { logKey: 'run-1' });
    const second = await r.invoke(fn, { n: 2 }, { logKey: 'run-1' });
    expect(first.logFile).toBe(scratch.state.logFile('logger', 'run-1'));
    const log = readFileSync(first.logFile, 'utf-8').split('\n');
    expect(log[0]).toBe(`START RequestId: ${first.requestId} Version: $LATEST`);
    expect(log[1]).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z\\t${first.requestId}\\tINFO\\thello 1$`));
    expect(log).toContain(`END RequestId: ${first.requestId}`);
    expect(log.find((line) => line.startsWith(`REPORT RequestId: ${first.requestId}`))).toMatch(/Duration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/);
    expect(log.filter((line) => line === 'raw')).toHaveLength(2);
    expect(log.some((line) => line.includes(`${second.requestId}\tINFO\thello 2`))).toBe(true);
    expect(log.some((line) => line.endsWith('\tERROR\tcareful'))).toBe(true);
    expect(scratch.events).toContainEqual({ type: 'log', source: 'logger', message: expect.stringContaining('INFO\thello 2') });
    // Without a log key, the request id names the file
    const third = await r.invoke(fn, { n: 3 });
    expect(path.basename(third.logFile)).toBe(`${third.requestId}.log`);
  });
});
