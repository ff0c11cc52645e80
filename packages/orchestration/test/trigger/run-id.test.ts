import { MAX_RUN_ID_LENGTH, runIdFor } from '../../src/trigger/run-id';

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

  test('starts with the file name made safe and uses only [A-Za-z0-9_-]', () => {
    const id = runIdFor({ bucket: 'uploads', key: 'incoming/Résumé (final).pdf', versionId: 'v1' });
    expect(id).toMatch(/^R_sum___final__pdf-[0-9a-f]{24}$/);
  });

  test('is at most 80 characters even for a very long key', () => {
    const id = runIdFor({ bucket: 'uploads', key: `incoming/${'x'.repeat(500)}.csv`, versionId: 'v1' });
    expect(id.length).toBe(MAX_RUN_ID_LENGTH);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
