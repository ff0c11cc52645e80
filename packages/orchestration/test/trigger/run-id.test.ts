import { batchJobNameError, stepFunctionsExecutionNameError } from '@batch-pipeline/local';
import { MAX_RUN_ID_LENGTH, RUN_ID_PATTERN, runIdFor, TRANSFER_SLOTS, transferSlotFor } from '@batch-pipeline/run-contract';
import { TRANSFER_SLOTS as CONSTRUCT_TRANSFER_SLOTS } from '../../src/trigger/run-id';

describe('runIdFor', () => {
  const upload = { bucket: 'uploads', key: 'incoming/sample 1.csv', versionId: 'v1' };

  test('is deterministic for the same object version', () => {
    expect(runIdFor(upload)).toBe(runIdFor({ ...upload }));
  });

  test('differs for another version, key or bucket', () => {
    const ids = new Set([
      runIdFor(upload),
      runIdFor({ ...upload, versionId: 'v2' }),
      runIdFor({ ...upload, key: 'incoming/sample 2.csv' }),
      runIdFor({ ...upload, bucket: 'other' }),
    ]);
    expect(ids.size).toBe(4);
  });

  test('uses the sequencer when the bucket is not versioned', () => {
    const first = runIdFor({ bucket: 'uploads', key: 'a.csv', sequencer: '0001' });
    const second = runIdFor({ bucket: 'uploads', key: 'a.csv', sequencer: '0002' });
    expect(first).not.toBe(second);
  });

  test('starts with the file name made safe: accents dropped, other characters one _ per run', () => {
    const id = runIdFor({ bucket: 'uploads', key: 'incoming/Résumé (final).pdf', versionId: 'v1' });
    expect(id).toMatch(/^Resume_final_pdf-[0-9a-f]{24}$/);
  });

  test.each([
    ['_notes.csv', /^notes_csv-/],
    ['(1).csv', /^1_csv-/],
    ['über.csv', /^uber_csv-/],
    ['.env', /^env-/],
    ['-dash.txt', /^dash_txt-/],
    ['報告書.csv', /^csv-/],
    ['報告書', /^upload-/],
    ['???', /^upload-/],
  ])('a file named %s gets a run id that Step Functions and Batch both accept', (fileName, readable) => {
    const id = runIdFor({ bucket: 'uploads', key: `incoming/${fileName}`, versionId: 'v1' });
    expect(id).toMatch(readable);
    expect(id).toMatch(RUN_ID_PATTERN);
    expect(stepFunctionsExecutionNameError(id)).toBeUndefined();
    expect(batchJobNameError(id)).toBeUndefined();
  });

  test('is at most 80 characters even for a very long key', () => {
    const id = runIdFor({ bucket: 'uploads', key: `incoming/${'x'.repeat(500)}.csv`, versionId: 'v1' });
    expect(id.length).toBe(MAX_RUN_ID_LENGTH);
    expect(id).toMatch(RUN_ID_PATTERN);
  });

  test('spreads runs evenly over the transfer slots', () => {
    const counts = new Array(60).fill(0);
    for (let i = 0; i < 6000; i++) {
      counts[transferSlotFor(runIdFor({ bucket: 'uploads', key: `incoming/${i}.csv`, versionId: 'v1' }))]++;
    }
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(150);
  });
});

describe('the transfer slots of the construct code', () => {
  test('given the run contract the functions bundle, when the state machine maps slots to DataSync tasks, then it maps as many slots as run ids have', () => {
    expect(CONSTRUCT_TRANSFER_SLOTS).toBe(TRANSFER_SLOTS);
  });
});
