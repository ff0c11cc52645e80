import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { handleWorkspaceRequest } from '../../src/workspace/run-workspace.lambda';

let mount: string;

beforeEach(() => {
  mount = mkdtempSync(path.join(tmpdir(), 'workspace-'));
  mkdirSync(path.join(mount, 'staging', '2026'), { recursive: true });
  writeFileSync(path.join(mount, 'staging', '2026', 'scan.tif'), 'pixels');
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(() => {
  rmSync(mount, { recursive: true, force: true });
  jest.restoreAllMocks();
});

describe('run workspace function', () => {
  test('prepare moves the staged file into the run directory and creates the output directory', async () => {
    const result = await handleWorkspaceRequest({ action: 'prepare', runId: 'scan_tif-abc', stagedPath: '/staging/2026/scan.tif', fileName: 'scan.tif' }, mount);
    expect(result).toEqual({ inputPath: '/runs/scan_tif-abc/in/scan.tif', outputDirectory: '/runs/scan_tif-abc/out' });
    expect(readFileSync(path.join(mount, 'runs/scan_tif-abc/in/scan.tif'), 'utf-8')).toBe('pixels');
    expect(existsSync(path.join(mount, 'runs/scan_tif-abc/out'))).toBe(true);
    expect(existsSync(path.join(mount, 'staging/2026/scan.tif'))).toBe(false);
  });

  test('prepare fails with StagedFileMissing when the staged file is gone', async () => {
    await expect(handleWorkspaceRequest({ action: 'prepare', runId: 'r1', stagedPath: '/staging/none.csv', fileName: 'none.csv' }, mount))
      .rejects.toMatchObject({ name: 'StagedFileMissing', message: expect.stringContaining('/staging/none.csv') });
  });

  test('cleanup removes the run directory and any staged leftover of a run that never claimed its input, and is idempotent', async () => {
    mkdirSync(path.join(mount, 'runs/r1/out'), { recursive: true });
    const result = await handleWorkspaceRequest({ action: 'cleanup', runId: 'r1', stagedPath: '/staging/2026/scan.tif' }, mount);
    expect(result).toEqual({ removed: ['/runs/r1', '/staging/2026/scan.tif'] });
    expect(existsSync(path.join(mount, 'staging/2026/scan.tif'))).toBe(false);
    expect(existsSync(path.join(mount, 'runs/r1'))).toBe(false);
    await expect(handleWorkspaceRequest({ action: 'cleanup', runId: 'r1', stagedPath: '/staging/2026/scan.tif' }, mount)).resolves.toBeDefined();
  });

  test('cleanup after the run claimed its input leaves the shared staging path alone: what is there now is another run\'s copy', async () => {
    // Given a run that moved its staged file in, and another run's copy of the same key staged since
    await handleWorkspaceRequest({ action: 'prepare', runId: 'r1', stagedPath: '/staging/2026/scan.tif', fileName: 'scan.tif' }, mount);
    writeFileSync(path.join(mount, 'staging/2026/scan.tif'), 'the next version');
    // When the first run cleans up
    const result = await handleWorkspaceRequest({ action: 'cleanup', runId: 'r1', stagedPath: '/staging/2026/scan.tif' }, mount);
    // Then only its run directory goes
    expect(result).toEqual({ removed: ['/runs/r1'] });
    expect(existsSync(path.join(mount, 'runs/r1'))).toBe(false);
    expect(readFileSync(path.join(mount, 'staging/2026/scan.tif'), 'utf-8')).toBe('the next version');
  });

  test('cleanup leaves other runs alone', async () => {
    mkdirSync(path.join(mount, 'runs/other/out'), { recursive: true });
    await handleWorkspaceRequest({ action: 'cleanup', runId: 'r1', stagedPath: '/staging/x.csv' }, mount);
    expect(existsSync(path.join(mount, 'runs/other/out'))).toBe(true);
  });

  test('refuses a run id that could name another directory', async () => {
    await expect(handleWorkspaceRequest({ action: 'cleanup', runId: '../staging', stagedPath: '/staging/x.csv' }, mount))
      .rejects.toThrow("run id '../staging' is not valid; allowed: 1-80 characters of A-Z a-z 0-9 _ -");
  });

  test('confines paths to the mount', async () => {
    await expect(handleWorkspaceRequest({ action: 'cleanup', runId: 'r1', stagedPath: '/../../etc/passwd' }, mount)).resolves.toBeDefined();
    expect(existsSync('/etc/passwd')).toBe(true);
    await expect(handleWorkspaceRequest({ action: 'prepare', runId: 'r1', stagedPath: '/staging/2026/scan.tif', fileName: '../x' }, mount))
      .rejects.toThrow("file name '../x' is not valid; allowed: one path segment");
  });

  test('refuses an unknown action', async () => {
    await expect(handleWorkspaceRequest({ action: 'format', runId: 'r1', stagedPath: '/x' } as never, mount))
      .rejects.toThrow("action 'format' is not valid; allowed: prepare, cleanup");
  });

  test('prepare-staging creates the stage-in directory, and again when it exists', async () => {
    const request = { action: 'prepare-staging', runId: 'r1', stagedPath: '/uploads/a.csv', stagingDirectory: '/uploads/' } as const;
    await expect(handleWorkspaceRequest(request, mount)).resolves.toEqual({ stagingDirectory: '/uploads/' });
    await expect(handleWorkspaceRequest(request, mount)).resolves.toEqual({ stagingDirectory: '/uploads/' });
    expect(existsSync(path.join(mount, 'uploads'))).toBe(true);
  });

  test.each(['/', '/runs/', '/runs/x', '/..'])('prepare-staging refuses %s, which would mix uploads with run directories', async (stagingDirectory) => {
    await expect(handleWorkspaceRequest({ action: 'prepare-staging', runId: 'r1', stagedPath: '/a', stagingDirectory }, mount))
      .rejects.toThrow(`staging directory '${stagingDirectory}' is not valid`);
  });
});
