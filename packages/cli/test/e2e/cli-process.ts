import { execFile } from 'node:child_process';
import * as path from 'node:path';

/** The committed bin, as npm links it: the real command, run as its own process. */
export const BIN = path.join(__dirname, '..', '..', 'bin', 'batch-pipeline');

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `batch-pipeline <args>` as a process and waits for it without blocking this one (a
 * runtime served in the test's own process keeps answering while the command runs).
 */
export function batchPipeline(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
