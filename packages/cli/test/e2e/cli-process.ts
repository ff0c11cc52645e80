import { execFile, spawn } from 'node:child_process';
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

/** `batch-pipeline serve` running as its own process, and how to stop it (Ctrl-C). */
export interface ServeProcess {
  readonly endpoint: string;
  readonly output: () => string;
  stop(): Promise<number | null>;
}

/** Starts `batch-pipeline serve <args> --port 0` and waits for the endpoint it prints. */
export function startServe(args: readonly string[], cwd: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args, '--port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const endpoint = / at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (endpoint) {
        child.stdout.off('data', onData);
        child.stdout.on('data', (more: Buffer) => { output += more.toString(); });
        resolve({
          endpoint,
          output: () => output,
          stop: () => {
            child.kill('SIGINT');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    void exited.then((code) => reject(new Error(`batch-pipeline serve ended (${code}) before it served:\n${output}`)));
  });
}
