import * as path from 'node:path';
import { stateDirectoryError } from '../../src/cli/state-directory-failure';

const root = path.join(path.sep, 'work', 'app', '.batch-pipeline');

describe('file-system errors of the state directory, as the CLI words them', () => {
  test.each([
    ['EACCES', 'is no longer writable', 'chmod -R u+w'],
    ['EROFS', 'is on a read-only file system', 'writable disk'],
    ['ENOSPC', 'is out of disk space', 'free disk space'],
    ['ENOENT', 'was removed while the runtime used it', 'leave the state directory in place'],
  ])('%s in a folder of the state directory: a mistake with what to do', (code, what, remedy) => {
    const failure = stateDirectoryError({ code, path: path.join(root, 'logs', 'trigger', 'r1.log') }, root);
    expect(failure?.message).toBe(`the state directory ${root} ${what} (${code} at ${path.join(root, 'logs', 'trigger', 'r1.log')})`
      + (code === 'ENOENT' ? '' : '; what the runs wrote before is still there'));
    expect(failure?.remedy).toContain(remedy);
  });

  test('the same error elsewhere (the upload itself, another folder) is not the state directory\'s', () => {
    expect(stateDirectoryError({ code: 'EACCES', path: path.join(root, '..', 'samples', 'a.csv') }, root)).toBeUndefined();
    expect(stateDirectoryError({ code: 'EACCES', path: `${root}-other/x` }, root)).toBeUndefined();
    expect(stateDirectoryError(new Error('not a file-system error'), root)).toBeUndefined();
  });
});
