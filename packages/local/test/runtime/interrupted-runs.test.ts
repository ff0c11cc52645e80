// The rule the CLI's rerun uses: packages/local does not depend on run-contract, only this test compares both.
// eslint-disable-next-line import/no-extraneous-dependencies
import { rerunIdFor } from '@batch-pipeline/run-contract';
import { freeRerunName, rerunNameFor } from '../../src/runtime/interrupted-runs';

describe('the name of an interrupted run started again', () => {
  const runIds = [
    'scan_csv-3f2a9c1b7d4e',
    'scan_csv-3f2a9c1b7d4e-r2',
    `${'a_very_long_readable_part_of_an_uploaded_key_'.repeat(2).slice(0, 67)}-3f2a9c1b7d4e`,
    `${'x'.repeat(70)}_-3f2a9c1b7d4e`,
  ];

  test.each(runIds)('given the run %s, then each re-run is named as the CLI\'s rerun names it (run-contract\'s rule)', (runId) => {
    for (const n of [1, 2, 10, 123]) {
      expect(rerunNameFor(runId, n)).toBe(rerunIdFor(runId, n));
      expect(rerunNameFor(runId, n).length).toBeLessThanOrEqual(80);
    }
  });

  test('given -r1 and -r2 taken, when a re-run is named, then it is -r3 of the original run', () => {
    const taken = new Set(['scan_csv-3f2a9c1b7d4e-r1', 'scan_csv-3f2a9c1b7d4e-r2']);
    expect(freeRerunName('scan_csv-3f2a9c1b7d4e-r1', (name) => taken.has(name))).toBe('scan_csv-3f2a9c1b7d4e-r3');
  });
});
