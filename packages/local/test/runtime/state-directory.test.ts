import { chmodSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LocalRuntimeError } from '../../src/runtime/local-runtime-error';
import { StateDirectory } from '../../src/runtime/state-directory';
import { temporaryDirectory } from '../assembly/tiny-assembly';

let root: string;

beforeEach(() => {
  root = temporaryDirectory('state-directory-');
});

afterEach(() => {
  chmodSync(root, 0o700);
  rmSync(root, { recursive: true, force: true });
});

function refusal(directory: string): LocalRuntimeError {
  try {
    StateDirectory.open(directory);
  } catch (error) {
    expect(error).toBeInstanceOf(LocalRuntimeError);
    return error as LocalRuntimeError;
  }
  throw new Error('expected the state directory to be refused');
}

describe('the state directory', () => {
  test('opening creates the folders a user can open', () => {
    // when a state directory is opened where none exists
    const state = StateDirectory.open(path.join(root, 'nested', '.batch-pipeline'));

    // then its folders exist
    for (const folder of ['buckets', 'efs', 'notifications', 'logs', 'runs', 'work']) {
      expect(statSync(path.join(state.root, folder)).isDirectory()).toBe(true);
    }
  });

  test('paths follow the documented layout', () => {
    const state = StateDirectory.open(path.join(root, '.batch-pipeline'));
    const at = (...parts: string[]) => path.join(state.root, ...parts);
    expect(state.bucketsRoot).toBe(at('buckets'));
    expect(state.fileSystem('FileSystem1')).toBe(at('efs', 'FileSystem1'));
    expect(state.onFileSystem('FileSystem1', '/pipeline', 'runs/r1/input.csv')).toBe(at('efs', 'FileSystem1', 'pipeline', 'runs', 'r1', 'input.csv'));
    expect(state.notificationsFile('failures')).toBe(at('notifications', 'failures.jsonl'));
    expect(state.metricsFile).toBe(at('metrics.jsonl'));
    expect(state.logFile('trigger', 'run-1')).toBe(at('logs', 'trigger', 'run-1.log'));
    expect(state.runSummaryFile('run-1')).toBe(at('runs', 'run-1.json'));
    expect(state.workDirectory).toBe(at('work'));
  });

  test('opening again keeps what is there', () => {
    const state = StateDirectory.open(path.join(root, 's'));
    writeFileSync(path.join(state.runsDirectory, 'kept.json'), '{}');
    StateDirectory.open(path.join(root, 's'));
    expect(existsSync(path.join(state.runsDirectory, 'kept.json'))).toBe(true);
  });

  test('a path under a regular file is refused with what to do', () => {
    // given a regular file where a folder would have to be
    writeFileSync(path.join(root, 'file'), 'not a folder');

    // then opening <file>/.state fails with the path and the remedy
    const error = refusal(path.join(root, 'file', '.state'));
    expect(error.message).toContain(`the state directory ${path.join(root, 'file', '.state')} is not writable`);
    expect(error.remedy).toContain('--state-dir');
  });

  test('a folder without write permission is refused (unless running as root, who may write anywhere)', () => {
    const locked = path.join(root, 'locked');
    StateDirectory.open(locked);
    chmodSync(locked, 0o500);
    try {
      if (process.getuid?.() === 0) {
        expect(() => StateDirectory.open(locked)).not.toThrow();
      } else {
        expect(refusal(locked).message).toContain('is not writable');
      }
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});

describe('watching for the state directory to be removed', () => {
  const noticed = (directory: StateDirectory): { readonly count: () => number; readonly stop: () => void } => {
    let count = 0;
    const stop = directory.watchRemoval(() => count++, 20);
    return { count: () => count, stop };
  };
  const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  test('given a state directory in use, when it stays, then nothing is reported', async () => {
    const watch = noticed(StateDirectory.open(path.join(root, 'state')));
    await after(150);
    watch.stop();
    expect(watch.count()).toBe(0);
  });

  test('given a state directory in use, when it is removed, then it is reported once', async () => {
    const directory = StateDirectory.open(path.join(root, 'state'));
    const watch = noticed(directory);
    rmSync(directory.root, { recursive: true });
    await after(150);
    watch.stop();
    expect(watch.count()).toBe(1);
  });

  test('given a state directory in use, when it is removed and made again (a service writing into it), then it is reported', async () => {
    const directory = StateDirectory.open(path.join(root, 'state'));
    const watch = noticed(directory);
    rmSync(directory.root, { recursive: true });
    StateDirectory.open(directory.root);
    await after(150);
    watch.stop();
    expect(watch.count()).toBe(1);
  });
});
