import { createHash } from 'node:crypto';
import { Duration } from 'aws-cdk-lib';
import { PipelineOrchestration, PipelineStep, StagingStrategy } from '../src';
import { LocalRun, RunResult, SynthesizedPipeline, Upload } from './local-run/local-pipeline';
import { pipelineProps } from './pipeline-fixture';

// Two versions of one key uploaded close together, staged through DataSync, run on the local
// runtime, whose emulated DataSync copies the key's current object unless a manifest names a
// version (as AWS DataSync does). Every run must end in a report of its own version's content,
// or in exactly one notification: never in a success over another version's bytes.
jest.setTimeout(90_000);

const KEY = 'incoming/race/scan.csv';
// Same length, so that only the content tells the versions apart.
const VERSION_1 = 'HASH version one\n';
const VERSION_2 = 'HASH version two\n';

let pipeline: SynthesizedPipeline;
const started: LocalRun[] = [];

beforeAll(async () => {
  pipeline = await SynthesizedPipeline.synthesize((parts) => {
    new PipelineOrchestration(parts.stack, 'Orchestration', {
      // 30 minutes of stage-in is 36 s at the tests' time scale: three stages of one key queue behind each other on a busy machine.
      ...pipelineProps(parts), staging: StagingStrategy.DATASYNC, stageInTimeout: Duration.minutes(30), stageOutTimeout: Duration.minutes(5),
    });
  });
});
afterAll(async () => {
  await Promise.all(started.map((run) => run.stop()));
  pipeline?.dispose();
});

async function runtimeWith(faults: Parameters<SynthesizedPipeline['start']>[0] = {}): Promise<LocalRun> {
  const run = await pipeline.start(faults);
  started.push(run);
  return run;
}

const sha256 = (text: string) => `sha256 ${createHash('sha256').update(text).digest('hex')}\n`;

/** Uploads both versions of KEY one right after the other, and waits for both runs. */
async function twoVersions(run: LocalRun): Promise<[RunResult, RunResult]> {
  const first: Upload = await run.upload(KEY, VERSION_1);
  const second: Upload = await run.upload(KEY, VERSION_2);
  return [await run.runOf(first), await run.runOf(second)];
}

describe('two versions of one key uploaded close together, staged through DataSync', () => {
  test('each run\'s report is its own version\'s content, or the run sent exactly one notification: never a wrong success', async () => {
    // Given the pipeline on the local runtime
    const run = await runtimeWith();
    // When two versions of one key are uploaded one right after the other
    const results = await twoVersions(run);
    // Then each run either succeeded on its own version, or failed with one notification at stage in
    for (const [result, body] of [[results[0], VERSION_1], [results[1], VERSION_2]] as const) {
      if (result.summary.status === 'SUCCEEDED') {
        expect({ run: result.runId, report: run.report(result) }).toEqual({ run: result.runId, report: sha256(body) });
        expect(result.notifications).toEqual([]);
      } else {
        expect(result.notifications).toHaveLength(1);
        // The claim found the other version's file (after three stages), or, rarely, this run's DataSync
        // verification found the shared staged file taken by the other run's claim (VerificationFailed)
        expect(result.notifications[0]).toMatchObject({
          failedStep: PipelineStep.STAGE_IN,
          error: expect.stringMatching(/^(StagedFile(Mismatch|Missing)|DataSync\.TaskExecutionError)$/),
        });
      }
    }
    // and at least one of the two runs succeeded on its own version (usually both: the second stage waits behind the first)
    expect(results.map((result) => result.summary.status)).toContain('SUCCEEDED');
    // and nothing is left on EFS
    expect(run.filesOnFileSystems()).toEqual([]);
  });

  test('a staged file that is never the run\'s version is staged three times, then fails stage in with one notification naming expected and found', async () => {
    // Given a DataSync that copies the key's current object whatever version the manifest names
    const run = await runtimeWith({ dataSync: { faults: { ignoreManifestVersions: true } } });
    // When two versions of one key are uploaded, so that version 2 is the current object
    const [first, second] = await twoVersions(run);
    // Then the run of version 1 never sees version 2's bytes: it staged three times and sent one notification
    expect(first.summary.status).toBe('FAILED');
    expect(first.summary.reports).toEqual([]);
    expect(first.states.filter((state) => state === 'Prepare staging')).toHaveLength(3);
    expect(first.notifications).toHaveLength(1);
    expect(first.notifications[0]).toMatchObject({ failedStep: PipelineStep.STAGE_IN, error: expect.stringMatching(/^StagedFile(Mismatch|Missing)$/) });
    const said = JSON.stringify(first.notifications[0]);
    expect(said).toContain(`expected s3://${first.input.bucket}/${KEY} version ${first.input.versionId} (${VERSION_1.length} bytes, `);
    expect(said).toMatch(/but found \/staging\/race\/scan\.csv of 17 bytes, |is not on the file system|was taken by another run of the same key/);
    // and the run of version 2, whose version is the current object, succeeds on its own content
    expect(second.summary.status).toBe('SUCCEEDED');
    expect(run.report(second)).toBe(sha256(VERSION_2));
    expect(run.filesOnFileSystems()).toEqual([]);
  });
});
