import { RunContract } from '../src';

describe('RunContract', () => {
  test('names the five environment variables the orchestration sets for each run', () => {
    expect(RunContract.ENVIRONMENT_VARIABLES).toEqual([
      'PIPELINE_RUN_ID',
      'PIPELINE_INPUT_PATH',
      'PIPELINE_OUTPUT_DIR',
      'PIPELINE_SOURCE_BUCKET',
      'PIPELINE_SOURCE_KEY',
    ]);
    expect([RunContract.RUN_ID, RunContract.INPUT_PATH, RunContract.OUTPUT_DIR, RunContract.SOURCE_BUCKET, RunContract.SOURCE_KEY])
      .toEqual(RunContract.ENVIRONMENT_VARIABLES);
  });

  test('lays runs out under /runs/<runId>/in and /runs/<runId>/out of the access point root', () => {
    expect(RunContract.DEFAULT_MOUNT_PATH).toBe('/mnt/pipeline');
    expect(RunContract.RUNS_DIRECTORY).toBe('/runs');
    expect(RunContract.runDirectory('run-1')).toBe('/runs/run-1');
    expect(RunContract.inputDirectory('run-1')).toBe('/runs/run-1/in');
    expect(RunContract.outputDirectory('run-1')).toBe('/runs/run-1/out');
  });

  test('environmentFor gives the environment of one run under the default mount path', () => {
    expect(RunContract.environmentFor({ runId: 'r1', inputFileName: 'scan 1.png', sourceBucket: 'uploads', sourceKey: 'incoming/scan 1.png' })).toEqual({
      PIPELINE_RUN_ID: 'r1',
      PIPELINE_INPUT_PATH: '/mnt/pipeline/runs/r1/in/scan 1.png',
      PIPELINE_OUTPUT_DIR: '/mnt/pipeline/runs/r1/out',
      PIPELINE_SOURCE_BUCKET: 'uploads',
      PIPELINE_SOURCE_KEY: 'incoming/scan 1.png',
    });
  });

  test('environmentFor uses another mount path, such as a local directory', () => {
    const env = RunContract.environmentFor({ runId: 'r1', inputFileName: 'a.txt', sourceBucket: 'b', sourceKey: 'a.txt', mountPath: '/tmp/efs' });
    expect(env.PIPELINE_INPUT_PATH).toBe('/tmp/efs/runs/r1/in/a.txt');
    expect(env.PIPELINE_OUTPUT_DIR).toBe('/tmp/efs/runs/r1/out');
  });

  test('the local-run metadata key is batch-pipeline:localRun', () => {
    expect(RunContract.LOCAL_RUN_METADATA_KEY).toBe('batch-pipeline:localRun');
  });
});
