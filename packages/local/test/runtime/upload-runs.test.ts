import { Upload } from '../../src/runtime/pipeline-runtime';
import { isRunOf, onlyRunOf, RunTracker, runsOf } from '../../src/runtime/upload-runs';
import { StartedExecution } from '../../src/services/stepfunctions/step-functions-service';

/** An upload of `key`, version `versionId` ('null' in an unversioned bucket). */
function upload(key: string, versionId: string): Upload {
  return { bucket: 'uploads', key, version: { versionId, size: 1, lastModified: new Date(0).toISOString(), etag: '"e"', deleteMarker: false } };
}

/** An execution whose input is the run contract's input of an object version. */
function execution(name: string, input: Record<string, unknown>): StartedExecution {
  return { name, input: JSON.stringify(input) } as StartedExecution;
}

describe('the runs of an upload', () => {
  const first = upload('incoming/a.csv', 'v1');

  test('given executions of several objects and versions, when asked for the runs of one upload, then only those of its version come back, in order', () => {
    const executions = [
      execution('a-1', { bucket: 'uploads', key: 'incoming/a.csv', versionId: 'v1' }),
      execution('a-2', { bucket: 'uploads', key: 'incoming/a.csv', versionId: 'v2' }),
      execution('b-1', { bucket: 'uploads', key: 'incoming/b.csv', versionId: 'v1' }),
      execution('other-bucket', { bucket: 'elsewhere', key: 'incoming/a.csv', versionId: 'v1' }),
      execution('a-1-again', { bucket: 'uploads', key: 'incoming/a.csv', versionId: 'v1' }),
    ];

    expect(runsOf(first, executions).map((run) => run.name)).toEqual(['a-1', 'a-1-again']);
  });

  test.each([null, undefined])('given an unversioned bucket, when the input has the version %s, then it is a run of the version null', (versionId) => {
    const unversioned = upload('incoming/a.csv', 'null');

    expect(isRunOf(unversioned, execution('a', { bucket: 'uploads', key: 'incoming/a.csv', ...(versionId === null ? { versionId } : {}) }))).toBe(true);
    expect(isRunOf(first, execution('a', { bucket: 'uploads', key: 'incoming/a.csv' }))).toBe(false);
  });

  test('given an execution started by hand with input that is not an upload\'s, when asked, then it is no run of the upload', () => {
    expect(isRunOf(first, { input: 'not json' })).toBe(false);
    expect(isRunOf(first, { input: 'null' })).toBe(false);
    expect(isRunOf(first, { input: '[]' })).toBe(false);
  });

  test('given no run or two runs of an upload, when its only run is asked for, then the error says how many and which', () => {
    const other = execution('b-1', { bucket: 'uploads', key: 'incoming/b.csv', versionId: 'v1' });

    expect(() => onlyRunOf(first, [other])).toThrow('s3://uploads/incoming/a.csv started 0 runs, not 1 (runs started: b-1)');
    expect(() => onlyRunOf(first, [])).toThrow('s3://uploads/incoming/a.csv started 0 runs, not 1 (runs started: none)');
    const run = execution('a-1', { bucket: 'uploads', key: 'incoming/a.csv', versionId: 'v1' });
    const twice = [run, run];
    expect(() => onlyRunOf(first, twice)).toThrow('s3://uploads/incoming/a.csv started 2 runs, not 1 (a-1, a-1)');
    expect(onlyRunOf(first, [other, twice[0]]).name).toBe('a-1');
  });

  test('given a tracker on a service, when the service starts the same name twice, then both starts are recorded', () => {
    let listener: ((started: StartedExecution) => void) | undefined;
    const tracker = new RunTracker({ onStart: (callback) => { listener = callback; } });
    const started = execution('a-1', { bucket: 'uploads', key: 'incoming/a.csv', versionId: 'v1' });

    listener!(started);
    listener!(started);

    expect(tracker.started).toHaveLength(2);
    expect(tracker.runsOf(first)).toEqual([started, started]);
    expect(() => tracker.onlyRunOf(first)).toThrow('started 2 runs, not 1');
  });
});
