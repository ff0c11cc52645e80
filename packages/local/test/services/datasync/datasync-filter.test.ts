import { DataSyncFilter } from '../../../src/services/datasync/datasync-filter';

describe('DataSync filter patterns', () => {
  test.each([
    ['/runs/r1/out/*', '/runs/r1/out/report.txt', true],
    ['/runs/r1/out/*', '/runs/r1/out/sub/deep.txt', true],
    ['/runs/r1/out/*', '/runs/r10/out/report.txt', false],
    ['/2026/scan 1.csv', '/2026/scan 1.csv', true],
    ['/2026/scan 1.csv', '/2026/scan 1.csv.bak', false],
    ['/dir', '/dir/a', true],
    ['/dir/', '/dir/a', true],
    ['/dir', '/dirty', false],
    ['*.tmp', '/a/b/c.tmp', true],
    ['*.tmp', '/a/b/c.tmpx', false],
    ['*/temporary-folder-*', '/x/temporary-folder-1/file', true],
    ['/a.csv|/b.csv', '/b.csv', true],
    ['/a.csv|/b.csv', '/c.csv', false],
    ['/A.csv', '/a.csv', false],
    ['/pipe\\|name', '/pipe|name', true],
    ['/pipe\\|name', '/pipe', false],
    ['/star\\*', '/star*', true],
    ['/star\\*', '/starry', false],
    ['/(a+)[b]', '/(a+)[b]', true],
  ])('%s on %s matches: %s', (filter, file, expected) => {
    // Given a filter as DataSync reads it, when a path is checked, then it matches exactly as documented
    expect(new DataSyncFilter(filter).matches(file)).toBe(expected);
  });
});
