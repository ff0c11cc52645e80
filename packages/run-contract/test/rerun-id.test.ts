import { isRunOf, MAX_RUN_ID_LENGTH, originalRunIdOf, RUN_ID_PATTERN, rerunIdFor, runIdFor } from '../src';

describe('the id of a re-run', () => {
  const runId = runIdFor({ bucket: 'uploads', key: 'incoming/plate.csv', versionId: 'v1' });

  test('given a run, when re-run the n-th time, then the id is the run id and -r<n>', () => {
    expect(rerunIdFor(runId, 1)).toBe(`${runId}-r1`);
    expect(rerunIdFor(`${runId}-r1`, 2)).toBe(`${runId}-r2`);
  });

  test('given a run id of 80 characters, when re-run, then the readable part is shortened and the hash kept within 80 characters', () => {
    const long = runIdFor({ bucket: 'uploads', key: `incoming/${'a'.repeat(200)}.csv`, versionId: 'v1' });
    expect(long).toHaveLength(MAX_RUN_ID_LENGTH);

    const rerun = rerunIdFor(long, 12);

    expect(rerun.length).toBeLessThanOrEqual(MAX_RUN_ID_LENGTH);
    expect(rerun).toMatch(RUN_ID_PATTERN);
    expect(rerun.endsWith(`${long.slice(-25)}-r12`)).toBe(true);
    expect(isRunOf(rerun, long)).toBe(true);
    expect(originalRunIdOf(`${runId}-r3`)).toBe(runId);
  });

  test('given another run, when compared, then it is not a run of the same object version', () => {
    const other = runIdFor({ bucket: 'uploads', key: 'incoming/plate.csv', versionId: 'v2' });
    expect(isRunOf(other, runId)).toBe(false);
    expect(isRunOf(`${other}-r1`, runId)).toBe(false);
    expect(isRunOf(runId, `${runId}-r4`)).toBe(true);
  });
});
