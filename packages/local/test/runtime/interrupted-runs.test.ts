import { freeRerunName } from '../../src/runtime/interrupted-runs';

describe('the name of an interrupted run started again', () => {
  test('given no re-run yet, then it is -r1 of the run, as the CLI\'s rerun names one', () => {
    expect(freeRerunName('scan_csv-3f2a9c1b7d4e', () => false)).toBe('scan_csv-3f2a9c1b7d4e-r1');
  });

  test('given -r1 and -r2 taken, when a re-run is named, then it is -r3 of the original run', () => {
    const taken = new Set(['scan_csv-3f2a9c1b7d4e-r1', 'scan_csv-3f2a9c1b7d4e-r2']);
    expect(freeRerunName('scan_csv-3f2a9c1b7d4e-r1', (name) => taken.has(name))).toBe('scan_csv-3f2a9c1b7d4e-r3');
  });

  test('given a run id of 80 characters, then its re-run name still fits Step Functions\' 80', () => {
    const runId = `${'a_long_readable_part_'.repeat(4).slice(0, 67)}-3f2a9c1b7d4e`;
    expect(runId).toHaveLength(80);
    const name = freeRerunName(runId, () => false);
    expect(name).toMatch(/-3f2a9c1b7d4e-r1$/);
    expect(name.length).toBeLessThanOrEqual(80);
  });
});
