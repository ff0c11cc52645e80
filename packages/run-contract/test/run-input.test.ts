import { runIdFor, runInputFor, skipReasonFor, transferSlotFor } from '../src';

describe('the execution input of an uploaded object', () => {
  test('given an object version under the watched prefix, when its input is built, then it names the run, the key relative to the prefix and the file name', () => {
    const input = runInputFor({ bucket: 'uploads', key: 'incoming/2026/plate 1.csv', versionId: 'v1', size: 42 }, 'incoming/');

    expect(input).toEqual({
      runId: runIdFor({ bucket: 'uploads', key: 'incoming/2026/plate 1.csv', versionId: 'v1' }),
      bucket: 'uploads',
      key: 'incoming/2026/plate 1.csv',
      versionId: 'v1',
      size: 42,
      relativeKey: '2026/plate 1.csv',
      fileName: 'plate 1.csv',
      transferSlot: transferSlotFor(input.runId),
    });
  });

  test('given an object the trigger named before the code moved here, when its input is built, then the run id is byte for byte the same', () => {
    // Computed with the trigger's run-id.ts before the move: a changed run id would start a
    // second run of every object a back-fill meets.
    expect(runInputFor({ bucket: 'uploads', key: 'incoming/sample 1.csv', versionId: 'v1', size: 1 }, 'incoming/').runId).toBe('sample_1_csv-7acc58c4b617a3e153f25ef8');
  });

  test('given an unversioned bucket, when the input is built without a sequencer, then the version is null and the id depends on bucket and key only', () => {
    const input = runInputFor({ bucket: 'uploads', key: 'incoming/a.csv', versionId: null, size: 3 }, 'incoming/');

    expect(input.versionId).toBeNull();
    expect(input.runId).toBe(runIdFor({ bucket: 'uploads', key: 'incoming/a.csv' }));
  });
});

describe('which objects start a run', () => {
  const filter = { prefix: 'incoming/', suffixes: ['.csv'], zeroByteObjects: 'SKIP' };

  test('given objects the trigger refuses, when checked, then each has its reason', () => {
    expect(skipReasonFor('ObjectCreated:Put', 'incoming/folder/', 0, filter)).toBe('folder-marker');
    expect(skipReasonFor('ObjectCreated:Put', 'elsewhere/a.csv', 1, filter)).toBe('outside-prefix');
    expect(skipReasonFor('ObjectCreated:Put', 'incoming/a.txt', 1, filter)).toBe('suffix-not-watched');
    expect(skipReasonFor('ObjectCreated:Put', 'incoming/a.csv', 0, filter)).toBe('zero-byte-object');
    expect(skipReasonFor('ObjectCreated:Put', 'incoming/a*.csv', 1, filter)).toBe('unsupported-key');
  });

  test('given an empty object and PROCESS, when checked, then it starts a run', () => {
    expect(skipReasonFor('ObjectCreated:Put', 'incoming/a.csv', 0, { ...filter, zeroByteObjects: 'PROCESS' })).toBeUndefined();
  });
});
