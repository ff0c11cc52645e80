import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalFunction } from '../../../src/model/pipeline-model';
import { StateDirectory } from '../../../src/runtime/state-directory';
import { RuntimeEvent } from '../../../src/services/task-integration';

export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';

/** A scratch folder with a state directory, removed by `dispose`. */
export class Scratch {
  public readonly root = mkdtempSync(path.join(tmpdir(), 'local-lambda-'));
  public readonly state = StateDirectory.open(path.join(this.root, 'state'));
  public readonly events: RuntimeEvent[] = [];
  public readonly sink = { emit: (event: RuntimeEvent) => void this.events.push(event) };
  private count = 0;

  /** Writes `files` (name to source) into a fresh code directory and returns it. */
  public code(files: Record<string, string>): string {
    const directory = path.join(this.root, `code-${++this.count}`);
    mkdirSync(directory, { recursive: true });
    for (const [name, source] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(directory, name)), { recursive: true });
      writeFileSync(path.join(directory, name), source);
    }
    return directory;
  }

  /** A function whose `index.js` is `source`; `overrides` change any field. */
  public fn(name: string, source: string | undefined, overrides: Partial<LocalFunction> = {}): LocalFunction {
    return {
      logicalId: `${name.replace(/[^A-Za-z0-9]/g, '')}Fn`,
      name,
      arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
      codeDirectory: source === undefined ? this.code({}) : this.code({ 'index.js': source }),
      handler: 'index.handler',
      runtime: 'nodejs24.x',
      environment: {},
      timeoutSeconds: 10,
      memoryMiB: 256,
      mounts: [],
      ...overrides,
    };
  }

  public dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Whether a process is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
