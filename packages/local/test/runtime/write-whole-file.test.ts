import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeWholeFile } from '../../src/runtime/write-whole-file';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'write-whole-file-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

test('given a run summary that exists, when it is written again, then the file holds the new text and nothing else is left in its folder', () => {
  const file = path.join(folder, 'run-1.json');
  writeFileSync(file, '{"status":"RUNNING"}');
  writeWholeFile(file, '{"status":"SUCCEEDED"}');
  expect(readFileSync(file, 'utf-8')).toBe('{"status":"SUCCEEDED"}');
  expect(readdirSync(folder)).toEqual(['run-1.json']);
});

test('given a folder that is gone, when a summary is written into it, then the error is the write\'s and no temporary file is left', () => {
  const gone = path.join(folder, 'runs');
  expect(() => writeWholeFile(path.join(gone, 'run-1.json'), '{}')).toThrow(/ENOENT/);
  expect(readdirSync(folder)).toEqual([]);
});

test('given a file name taken by a folder, when a summary is written there, then the rename fails, the folder stays and the temporary file is removed', () => {
  const taken = path.join(folder, 'run-1.json');
  mkdirSync(taken);
  expect(() => writeWholeFile(taken, '{}')).toThrow(/EISDIR/);
  expect(readdirSync(folder)).toEqual(['run-1.json']);
});
