import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ACCOUNT, REGION, Scratch } from './fixtures';
import { LocalFunction, PipelineModel } from '../../../src/model/pipeline-model';
import { FunctionRunner } from '../../../src/services/lambda/function-runner';
import { answerLambda } from '../../../src/services/lambda/lambda-api';
import { LambdaIntegration } from '../../../src/services/lambda/lambda-integration';

/** Lambda's Invoke as `serve` answers it, over HTTP, with the headers the SDK reads. */
let scratch: Scratch;
let runner: FunctionRunner;
let server: Server;
let endpoint: string;

const ECHO = 'exports.handler = async (event) => { console.log("got", JSON.stringify(event)); '
  + 'if (event.fail) throw new TypeError("asked to fail"); return { echoed: event }; };';

beforeEach(async () => {
  scratch = new Scratch();
  const functions: LocalFunction[] = [scratch.fn('Pipeline-Workspace', ECHO)];
  const model = { stackName: 'Test', region: REGION, account: ACCOUNT, functions: new Map(functions.map((fn) => [fn.arn, fn])) } as unknown as PipelineModel;
  runner = new FunctionRunner({ state: scratch.state, region: REGION, endpoints: {}, events: scratch.sink });
  const integration = new LambdaIntegration({ model, state: scratch.state, timeScale: 1, events: scratch.sink }, runner);
  server = createServer((request, response) => void answerLambda(integration, request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await runner.stop();
  await new Promise((resolve) => server.close(resolve));
  scratch.dispose();
});

function invoke(functionName: string, payload: string, headers: Record<string, string> = {}, query = ''): Promise<Response> {
  return fetch(`${endpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations${query}`, { method: 'POST', body: payload, headers });
}

test('given a function of the pipeline named by its ARN, when invoked, then 200 with its result, the executed version and, with Tail, its log', async () => {
  const answer = await invoke(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:Pipeline-Workspace`, '{"action":"cleanup"}', { 'x-amz-log-type': 'Tail' });
  expect(answer.status).toBe(200);
  expect(await answer.json()).toEqual({ echoed: { action: 'cleanup' } });
  expect(answer.headers.get('x-amz-executed-version')).toBe('$LATEST');
  expect(Buffer.from(answer.headers.get('x-amz-log-result')!, 'base64').toString()).toContain('got {"action":"cleanup"}');
});

test('given a function that throws, when invoked, then 200 with X-Amz-Function-Error Unhandled and the error object, as Lambda answers', async () => {
  const answer = await invoke('Pipeline-Workspace', '{"fail":true}');
  expect(answer.status).toBe(200);
  expect(answer.headers.get('x-amz-function-error')).toBe('Unhandled');
  expect(await answer.json()).toMatchObject({ errorType: 'TypeError', errorMessage: 'asked to fail' });
});

test('given Event and DryRun invocation types, then 202 and 204 with no body', async () => {
  expect((await invoke('Pipeline-Workspace', '{}', { 'x-amz-invocation-type': 'Event' })).status).toBe(202);
  expect((await invoke('Pipeline-Workspace', '{}', { 'x-amz-invocation-type': 'DryRun' })).status).toBe(204);
});

test('given a function the pipeline does not have, or a version other than $LATEST, then 404 ResourceNotFoundException naming it', async () => {
  for (const [name, query] of [['Other-Function', ''], ['Pipeline-Workspace', '?Qualifier=7']]) {
    const answer = await invoke(name, '{}', {}, query);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(((await answer.json()) as { message: string }).message).toMatch(new RegExp(`^Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`));
  }
});

test('given a payload that is not JSON or an unknown invocation type, then 400 with Lambda\'s error and nothing runs', async () => {
  const notJson = await invoke('Pipeline-Workspace', '{not json');
  expect([notJson.status, notJson.headers.get('x-amzn-errortype')]).toEqual([400, 'InvalidRequestContentException']);
  const badType = await invoke('Pipeline-Workspace', '{}', { 'x-amz-invocation-type': 'Later' });
  expect([badType.status, badType.headers.get('x-amzn-errortype')]).toEqual([400, 'InvalidParameterValueException']);
  expect(((await badType.json()) as { message: string }).message).toContain("Value 'Later' at 'invocationType'");
  expect(runner.environments()).toEqual({});
});

test('given another Lambda operation, then 404 naming what the local runtime serves', async () => {
  const answer = await fetch(`${endpoint}/2015-03-31/functions/`, { method: 'GET' });
  expect(answer.status).toBe(404);
  expect(((await answer.json()) as { message: string }).message).toContain('serves Invoke (POST /2015-03-31/functions/{FunctionName}/invocations) only');
});
