import { LocalRun, SynthesizedPipeline } from './local-run/local-pipeline';
import { pipelineProps } from './pipeline-fixture';
import { PipelineOrchestration, StagingStrategy } from '../src';

// The real trigger function runs as a process of the local runtime; its SNSClient reaches the
// runtime's SNS endpoint through AWS_ENDPOINT_URL_SNS, which writes to the same topic file as the
// state machine's publishes.
jest.setTimeout(60_000);

let pipeline: SynthesizedPipeline;
let run: LocalRun;

beforeAll(async () => {
  pipeline = await SynthesizedPipeline.synthesize((parts) => {
    new PipelineOrchestration(parts.stack, 'Orchestration', { ...pipelineProps(parts), staging: StagingStrategy.DIRECT });
  });
  run = await pipeline.start();
});
afterAll(async () => {
  await run?.stop();
  pipeline?.dispose();
});

describe('uploads the trigger refuses, run locally', () => {
  test('given an empty file and a key EFS cannot hold under the prefix, each ends in one notification naming the key and the reason, and no run', async () => {
    const empty = await run.upload('incoming/2026/empty.csv', '');
    const longName = `incoming/${'x'.repeat(256)}.csv`;
    await run.upload(longName, 'a,b\n');
    await run.upload('elsewhere/not-watched.csv', '');
    await run.runtime.idle();
    expect(run.runtime.runs.size).toBe(0);
    const notices = run.publishedRecords();
    const reasonsAndKeys = notices.map((notice) => [notice.messageAttributes.reason.StringValue, notice.messageAttributes.key.StringValue]);
    expect(reasonsAndKeys).toEqual(expect.arrayContaining([
      ['zero-byte-object', 'incoming/2026/empty.csv'],
      ['unsupported-key', longName],
    ]));
    expect(notices).toHaveLength(2);
    const emptyNotice = notices.find((notice) => notice.messageAttributes.reason.StringValue === 'zero-byte-object');
    expect(emptyNotice.subject).toBe('Upload not processed (empty file): empty.csv');
    expect(emptyNotice.message.split('\n')[0]).toBe(`Upload not processed (empty file): s3://${empty.bucket}/incoming/2026/empty.csv (version ${empty.version.versionId})`);
    expect(emptyNotice.state).toBe('Publish');
  });
});
