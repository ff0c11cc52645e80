import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { KMSAccessDeniedException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { checkPublish, serviceError, stepFunctionsExecutionNameError } from '@batch-pipeline/local';
import { runIdFor } from '@batch-pipeline/run-contract';
import { mockClient } from 'aws-sdk-client-mock';
import { s3Event } from './s3-events';
import { handler } from '../../src/trigger/start-run.lambda';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-2:123456789012:stateMachine:Pipeline';
const TOPIC_ARN = 'arn:aws:sns:eu-west-2:123456789012:Notifications';
const sfnMock = mockClient(SFNClient);
const snsMock = mockClient(SNSClient);
let logLines: Array<Record<string, unknown>>;

beforeEach(() => {
  sfnMock.reset();
  snsMock.reset();
  // SNS refuses a publish outside its rules (subject, attributes, size) as the local emulation does.
  snsMock.on(PublishCommand).callsFake((input) => {
    checkPublish(input);
    return { MessageId: `message-${snsMock.commandCalls(PublishCommand).length}` };
  });
  // Step Functions refuses a name outside its rules with InvalidName.
  sfnMock.on(StartExecutionCommand).callsFake((input) => {
    const nameError = stepFunctionsExecutionNameError(input.name);
    if (nameError) {
      throw serviceError('InvalidName', nameError);
    }
    return { executionArn: `${STATE_MACHINE_ARN}:${input.name}`, startDate: new Date() };
  });
  process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
  process.env.WATCH_PREFIX = 'incoming/';
  process.env.WATCH_SUFFIXES = '[]';
  delete process.env.ZERO_BYTE_OBJECTS;
  delete process.env.NOTIFICATION_TOPIC_ARN;
  logLines = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => {
    logLines.push(JSON.parse(line));
  });
});

afterEach(() => jest.restoreAllMocks());

function startedInputs(): Array<Record<string, unknown>> {
  return sfnMock.commandCalls(StartExecutionCommand).map((call) => ({
    name: call.args[0].input.name,
    ...JSON.parse(call.args[0].input.input!),
  }));
}

describe('trigger function', () => {
  test('starts one execution named after the run id, with the upload as input', async () => {
    const summary = await handler(s3Event({ key: 'incoming/report.csv', versionId: 'v1', size: 42 }));
    const runId = runIdFor({ bucket: 'uploads', key: 'incoming/report.csv', versionId: 'v1' });
    expect(summary).toEqual({ started: 1, duplicates: 0, skipped: 0, malformed: 0, notified: 0 });
    expect(sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(startedInputs()).toEqual([{
      name: runId,
      runId,
      bucket: 'uploads',
      key: 'incoming/report.csv',
      versionId: 'v1',
      size: 42,
      relativeKey: 'report.csv',
      fileName: 'report.csv',
      transferSlot: parseInt(runId.slice(-8), 16) % 60,
    }]);
    expect(logLines).toEqual([expect.objectContaining({ outcome: 'started', runId, key: 'incoming/report.csv' })]);
  });

  test.each([
    ['incoming/my+report.csv', 'incoming/my report.csv'],
    ['incoming/a%2Bb%25c.csv', 'incoming/a+b%c.csv'],
    ['incoming/r%C3%A9sum%C3%A9+%E6%97%A5%E6%9C%AC.txt', 'incoming/résumé 日本.txt'],
  ])('decodes the URL-encoded key %s to %s', async (encoded, decoded) => {
    await handler(s3Event({ key: encoded }));
    expect(startedInputs()).toEqual([expect.objectContaining({ key: decoded })]);
  });

  test('passes the key relative to the prefix and the file name, and a null version for an unversioned bucket', async () => {
    await handler(s3Event({ key: 'incoming/2026/11/scan.tif' }));
    expect(startedInputs()).toEqual([expect.objectContaining({ relativeKey: '2026/11/scan.tif', fileName: 'scan.tif', versionId: null })]);
  });

  test.each([
    'incoming/a*b.csv',
    'incoming/a|b.csv',
    'incoming/../etc/passwd',
    'incoming/./a.csv',
    'incoming//a.csv',
    'incoming/tab%09name.csv',
    `incoming/${'a'.repeat(256)}.csv`,
    `incoming/${'%C3%BC'.repeat(128)}/a.csv`,
  ])('skips %s, which DataSync cannot stage as exactly one file', async (encodedKey) => {
    const summary = await handler(s3Event({ key: encodedKey }));
    expect(summary.skipped).toBe(1);
    expect(logLines).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'unsupported-key' })]);
  });

  test('accepts a key whose longest segment is exactly 255 bytes', async () => {
    const summary = await handler(s3Event({ key: `incoming/${'a'.repeat(251)}.csv` }));
    expect(summary.started).toBe(1);
  });

  test.each([
    ['incoming/_notes.csv', 'incoming/_notes.csv'],
    ['incoming/%281%29.csv', 'incoming/(1).csv'],
    ['incoming/%C3%BCber.csv', 'incoming/über.csv'],
    ['incoming/.env', 'incoming/.env'],
    ['incoming/%E5%A0%B1%E5%91%8A%E6%9B%B8.csv', 'incoming/報告書.csv'],
  ])('starts a run for %s with a name that Step Functions accepts and a run id that starts with a letter or digit', async (encoded, decoded) => {
    const summary = await handler(s3Event({ key: encoded, versionId: 'v1' }));
    expect(summary.started).toBe(1);
    const [input] = startedInputs();
    expect(input.key).toBe(decoded);
    expect(input.runId).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/);
  });

  test('starts one execution per record when an event carries several', async () => {
    const summary = await handler(s3Event({ key: 'incoming/a.csv' }, { key: 'incoming/b.csv' }, { key: 'incoming/c.csv' }));
    expect(summary.started).toBe(3);
    expect(startedInputs().map((input) => input.key)).toEqual(['incoming/a.csv', 'incoming/b.csv', 'incoming/c.csv']);
  });

  test('ignores the s3:TestEvent that S3 sends when notifications are configured', async () => {
    const summary = await handler({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-24T08:00:00.000Z', Bucket: 'uploads' });
    expect(summary).toEqual({ started: 0, duplicates: 0, skipped: 1, malformed: 0, notified: 0 });
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(logLines).toEqual([{ outcome: 'skipped', reason: 'test-event' }]);
  });

  test('ignores folder markers', async () => {
    const summary = await handler(s3Event({ key: 'incoming/batch-7/', size: 0 }));
    expect(summary.skipped).toBe(1);
    expect(logLines).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'folder-marker' })]);
  });

  test('ignores keys outside the watched prefix', async () => {
    const summary = await handler(s3Event({ key: 'elsewhere/report.csv' }));
    expect(summary.skipped).toBe(1);
    expect(logLines).toEqual([expect.objectContaining({ outcome: 'skipped', reason: 'outside-prefix', key: 'elsewhere/report.csv' })]);
  });

  test('ignores keys with a suffix that is not watched', async () => {
    process.env.WATCH_SUFFIXES = '[".csv"]';
    const summary = await handler(s3Event({ key: 'incoming/notes.txt' }, { key: 'incoming/data.csv' }));
    expect(summary).toEqual({ started: 1, duplicates: 0, skipped: 1, malformed: 0, notified: 0 });
  });

  test('ignores events that are not object creations', async () => {
    const summary = await handler(s3Event({ key: 'incoming/report.csv', eventName: 'ObjectRemoved:Delete' }));
    expect(summary.skipped).toBe(1);
    expect(logLines).toEqual([expect.objectContaining({ reason: 'not-object-created' })]);
  });

  test('skips zero-byte objects by default', async () => {
    const summary = await handler(s3Event({ key: 'incoming/empty.csv', size: 0 }));
    expect(summary.skipped).toBe(1);
    expect(logLines).toEqual([expect.objectContaining({ reason: 'zero-byte-object' })]);
  });

  test('processes zero-byte objects when configured to', async () => {
    process.env.ZERO_BYTE_OBJECTS = 'PROCESS';
    const summary = await handler(s3Event({ key: 'incoming/empty.csv', size: 0 }));
    expect(summary.started).toBe(1);
  });

  test('a duplicate delivery starts nothing and is not an error', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const summary = await handler(s3Event({ key: 'incoming/report.csv', versionId: 'v1' }));
    expect(summary).toEqual({ started: 0, duplicates: 1, skipped: 0, malformed: 0, notified: 0 });
    expect(logLines).toEqual([expect.objectContaining({ outcome: 'duplicate' })]);
  });

  test('the same event delivered twice yields the same execution name', async () => {
    const event = s3Event({ key: 'incoming/report.csv', versionId: 'v1' });
    await handler(event);
    await handler(event);
    const names = sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name);
    expect(names[0]).toBe(names[1]);
  });

  test('a malformed event is logged and does not throw, so Lambda does not retry it', async () => {
    for (const event of [null, {}, { Records: 'nope' }]) {
      await expect(handler(event)).resolves.toEqual({ started: 0, duplicates: 0, skipped: 0, malformed: 1, notified: 0 });
    }
    expect(logLines.every((line) => line.outcome === 'malformed')).toBe(true);
  });

  test('a malformed record is logged while the other records still start', async () => {
    const event = s3Event({ key: 'incoming/good.csv' });
    event.Records.push({ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'uploads' }, object: { key: 'incoming/bad%E0%A4%A.csv', size: 1 } } });
    event.Records.push({ nonsense: true });
    const summary = await handler(event);
    expect(summary).toEqual({ started: 1, duplicates: 0, skipped: 0, malformed: 2, notified: 0 });
  });

  test('a failed start is rethrown after every record was tried, so Lambda retries the event', async () => {
    sfnMock.on(StartExecutionCommand, { name: runIdFor({ bucket: 'uploads', key: 'incoming/b.csv', sequencer: '0066A1B2C3D4E5F600' }) })
      .rejects(new Error('ThrottlingException: Rate exceeded'));
    await expect(handler(s3Event({ key: 'incoming/a.csv' }, { key: 'incoming/b.csv' }, { key: 'incoming/c.csv' })))
      .rejects.toThrow('trigger: 1 of 3 records could not be started or notified; the event will be retried');
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(3);
    expect(logLines.map((line) => line.outcome)).toEqual(['started', 'start-failed', 'started']);
  });

  test('fails loudly when deployed without a state machine ARN', async () => {
    delete process.env.STATE_MACHINE_ARN;
    await expect(handler(s3Event({ key: 'incoming/a.csv' }))).rejects.toThrow('trigger: environment variable STATE_MACHINE_ARN is not set');
  });

  test('fails loudly on an unknown zero-byte setting', async () => {
    process.env.ZERO_BYTE_OBJECTS = 'MAYBE';
    await expect(handler(s3Event({ key: 'incoming/a.csv' }))).rejects.toThrow("trigger: ZERO_BYTE_OBJECTS 'MAYBE' is not valid; allowed: SKIP, PROCESS");
  });
});

describe('trigger function: uploads it refuses are notified', () => {
  function published(): Array<{ Subject?: string; Message?: string; MessageAttributes?: Record<string, any>; TopicArn?: string }> {
    return snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input);
  }

  beforeEach(() => {
    process.env.NOTIFICATION_TOPIC_ARN = TOPIC_ARN;
  });

  test('given an empty file under the prefix, when it is skipped, then one notification names the key and the reason', async () => {
    const summary = await handler(s3Event({ key: 'incoming/2026/empty.csv', size: 0, versionId: 'v7' }));
    expect(summary).toEqual({ started: 0, duplicates: 0, skipped: 1, malformed: 0, notified: 1 });
    const [notice] = published();
    expect(notice.TopicArn).toBe(TOPIC_ARN);
    expect(notice.Subject).toBe('Upload not processed (empty file): empty.csv');
    expect(notice.Message!.split('\n').slice(0, 4)).toEqual([
      'Upload not processed (empty file): s3://uploads/incoming/2026/empty.csv (version v7)',
      '',
      'The object has zero bytes, and the pipeline skips empty files (ZeroByteObjects.SKIP).',
      'Upload the file again with its content, or set zeroByteObjects to PROCESS to run empty files.',
    ]);
    const json = JSON.parse(notice.Message!.slice(notice.Message!.indexOf('-- details (JSON) --') + '-- details (JSON) --'.length));
    expect(json).toEqual({ event: 'upload-not-processed', reason: 'zero-byte-object', bucket: 'uploads', key: 'incoming/2026/empty.csv', versionId: 'v7', size: 0 });
    expect(notice.MessageAttributes).toEqual({
      event: { DataType: 'String', StringValue: 'upload-not-processed' },
      reason: { DataType: 'String', StringValue: 'zero-byte-object' },
      bucket: { DataType: 'String', StringValue: 'uploads' },
      key: { DataType: 'String', StringValue: 'incoming/2026/empty.csv' },
      versionId: { DataType: 'String', StringValue: 'v7' },
    });
    expect(logLines.map((line) => line.outcome)).toEqual(['skipped', 'notified']);
  });

  test.each([
    [`incoming/${'%C3%BC'.repeat(128)}.csv`, 'key cannot be staged'],
    ['incoming/a*b.csv', 'key cannot be staged'],
    ['incoming/tab%09name.csv', 'key cannot be staged'],
  ])('given the key %s that EFS cannot hold, then one notification with a subject SNS accepts', async (encodedKey, title) => {
    await handler(s3Event({ key: encodedKey }));
    const [notice] = published();
    expect(published()).toHaveLength(1);
    expect(notice.Subject).toMatch(new RegExp(`^Upload not processed \\(${title}\\): `));
    // ASCII without line breaks, under 100 characters (checkPublish refused nothing).
    expect(notice.Subject!.length).toBeLessThan(100);
    expect(notice.Subject).toMatch(/^[\x21-\x7e][\x20-\x7e]*$/);
    expect(notice.MessageAttributes!.reason.StringValue).toBe('unsupported-key');
  });

  test('given a suffix that is not watched under the prefix, then it is notified', async () => {
    process.env.WATCH_SUFFIXES = '[".csv"]';
    await handler(s3Event({ key: 'incoming/notes.txt' }));
    expect(published().map((notice) => notice.MessageAttributes!.reason.StringValue)).toEqual(['suffix-not-watched']);
  });

  test.each([
    ['a folder marker', s3Event({ key: 'incoming/batch-7/', size: 0 })],
    ['a key outside the prefix', s3Event({ key: 'elsewhere/empty.csv', size: 0 })],
    ['a removal', s3Event({ key: 'incoming/empty.csv', size: 0, eventName: 'ObjectRemoved:Delete' })],
    ['the s3:TestEvent', { Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'uploads' }],
  ])('given %s, then nothing is published: it is not an upload under the watched prefix', async (_what, event) => {
    await handler(event);
    expect(published()).toEqual([]);
  });

  test('given no topic configured (notifyRefusedUploads false), then a refused upload is only logged', async () => {
    delete process.env.NOTIFICATION_TOPIC_ARN;
    const summary = await handler(s3Event({ key: 'incoming/empty.csv', size: 0 }));
    expect(summary.notified).toBe(0);
    expect(published()).toEqual([]);
  });

  test('given SNS refuses the notification, then the event fails after every record was tried, so Lambda retries it and then dead-letters it', async () => {
    snsMock.on(PublishCommand).rejects(new KMSAccessDeniedException({ message: 'no key', $metadata: {} }));
    await expect(handler(s3Event({ key: 'incoming/empty.csv', size: 0 }, { key: 'incoming/good.csv' })))
      .rejects.toThrow('trigger: 1 of 2 records could not be started or notified; the event will be retried');
    expect(logLines.map((line) => line.outcome)).toEqual(['skipped', 'notify-failed', 'started']);
  });
});

