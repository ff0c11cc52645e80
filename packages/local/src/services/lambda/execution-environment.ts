import { ChildProcess, fork } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { FunctionErrorPayload, HostMessage, InvokeMessage } from './host-protocol';
import { INIT_TIMEOUT_MS } from './lambda-limits';

/** How an environment process is started. */
export interface EnvironmentSpec {
  /** The compiled `function-host.js`. */
  readonly hostScript: string;
  readonly env: Record<string, string>;
  /** The working directory (Lambda's `/var/task`: the code directory). */
  readonly cwd: string;
  readonly temporaryDirectory: string;
  readonly memoryMiB: number;
  /** Called with every line the process prints, as it arrives. */
  readonly onLine: (line: string) => void;
  /** Called once when the process has ended, for whatever reason. */
  readonly onExit?: () => void;
}

/** How long to wait for the output pipes to close after the process exited (a grandchild may hold them open). */
const PIPE_GRACE_MS = 500;

/** What one invocation in an environment came to. */
export interface EnvironmentOutcome {
  /** The response payload (JSON text), when the handler succeeded. */
  readonly payload?: string;
  /** The function error, when it did not. */
  readonly error?: FunctionErrorPayload;
  /** The handler's duration, or the time until the environment was stopped. */
  readonly durationMs: number;
  readonly maxMemoryUsedMiB?: number;
  /** The Init phase, when this invocation started the environment. */
  readonly initDurationMs?: number;
  /** What the process printed during the invocation (and, for the first one, during Init). */
  readonly lines: readonly string[];
  /** Whether the environment cannot take another invocation (timeout, crash, init error, uncaught exception). */
  readonly ended: boolean;
  readonly timedOut?: boolean;
}

interface Active {
  readonly requestId: string;
  readonly started: number;
  lines: string[];
  result?: Extract<HostMessage, { type: 'result' }>;
  streamsDone: { stdout: boolean; stderr: boolean };
  settle: (outcome: EnvironmentOutcome) => void;
  timer?: NodeJS.Timeout;
  timedOutAfterMs?: number;
  initDurationMs?: number;
}

const SENTINEL_MARK = '\u0000END ';

/** Every environment process alive, ended when this process exits however it exits (short of SIGKILL). */
const LIVE = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of LIVE) {
    child.kill('SIGKILL');
  }
});

/**
 * One execution environment: a child process running `function-host` with its own environment
 * variables, working directory and `/tmp`. It takes one invocation at a time and stays warm for
 * the next; a timeout, a crash or an init error ends it, as on Lambda.
 */
export class ExecutionEnvironment {
  public readonly id: string;
  public invocations = 0;
  private readonly child: ChildProcess;
  private readonly ready: Promise<{ initDurationMs: number; error?: FunctionErrorPayload }>;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private carry: string[] = [];
  private active?: Active;
  private endedFlag = false;
  private stderrTail = '';
  private readonly partial = { stdout: '', stderr: '' };
  private readonly spawnedAt = performance.now();

  public constructor(id: string, private readonly spec: EnvironmentSpec) {
    this.id = id;
    mkdirSync(spec.temporaryDirectory, { recursive: true });
    this.child = fork(spec.hostScript, [], {
      cwd: spec.cwd,
      env: spec.env,
      execArgv: [`--max-old-space-size=${Math.max(16, Math.floor(spec.memoryMiB * 0.9))}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    LIVE.add(this.child);
    this.child.once('exit', () => LIVE.delete(this.child));
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = this.child[stream]!;
      readable.setEncoding('utf8');
      readable.on('data', (chunk: string) => this.onData(stream, chunk));
    }
    const pipesClosed = Promise.all([
      new Promise<void>((resolve) => this.child.stdout!.on('close', () => resolve())),
      new Promise<void>((resolve) => this.child.stderr!.on('close', () => resolve())),
    ]);
    const streamsClosed = () => Promise.race([pipesClosed, new Promise<void>((resolve) => setTimeout(resolve, PIPE_GRACE_MS).unref())]);
    this.exited = new Promise((resolve) => {
      let status: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      const done = () => {
        this.endedFlag = true;
        void streamsClosed().then(() => {
          this.flushPartial();
          resolve(status!);
        });
      };
      this.child.once('exit', (code, signal) => {
        status = { code, signal };
        done();
      });
      let failed = false;
      this.child.on('error', (error) => {
        // A failed spawn or a send on a closed channel: the process is (or will be) gone.
        this.stderrTail += String(error);
        if (!failed && this.child.pid === undefined) {
          failed = true;
          status = { code: null, signal: null };
          done();
        }
      });
    });
    this.ready = new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve({
          initDurationMs: INIT_TIMEOUT_MS,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: 'Error: Init phase timed out after '
          + `${(INIT_TIMEOUT_MS / 1000).toFixed(2)} seconds`,
          },
        });
        this.kill();
      }, INIT_TIMEOUT_MS);
      this.child.on('message', (message: HostMessage) => {
        if (message.type === 'ready' || message.type === 'init-error') {
          clearTimeout(timer);
          resolve({ initDurationMs: message.initDurationMs, error: message.type === 'init-error' ? message.error : undefined });
        } else if (message.type === 'result') {
          this.onResult(message);
        }
      });
      void this.exited.then((status) => {
        clearTimeout(timer);
        resolve({ initDurationMs: performance.now() - this.spawnedAt, error: this.exitError(undefined, status) });
      });
    });
    void this.exited.then((status) => this.onExit(status));
  }

  /** Whether the process is gone (or going). */
  public get ended(): boolean {
    return this.endedFlag;
  }

  public get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Runs one invocation: waits for the Init phase on the first one, sends the event, and settles
   * when the host reported the result and both output streams reached the invocation's end
   * marker, or when the process ended (timeout, crash).
   */
  public async invoke(message: InvokeMessage, timeoutMs: number): Promise<EnvironmentOutcome> {
    const cold = this.invocations === 0;
    this.invocations++;
    const init = await this.ready;
    if (init.error) {
      this.kill();
      await this.exited;
      return { error: init.error, durationMs: 0, initDurationMs: init.initDurationMs, lines: this.takeCarry(), ended: true };
    }
    if (this.endedFlag) {
      const status = await this.exited;
      return { error: this.exitError(message.requestId, status), durationMs: 0, lines: this.takeCarry(), ended: true };
    }
    return new Promise<EnvironmentOutcome>((settle) => {
      const active: Active = {
        requestId: message.requestId,
        started: performance.now(),
        lines: this.takeCarry(),
        streamsDone: { stdout: false, stderr: false },
        settle,
        initDurationMs: cold ? init.initDurationMs : undefined,
      };
      this.active = active;
      active.timer = setTimeout(() => {
        active.timedOutAfterMs = timeoutMs;
        this.kill();
      }, timeoutMs);
      this.child.send({ ...message, deadlineMs: Date.now() + timeoutMs }, (error) => {
        if (error) {
          this.kill();
        }
      });
    });
  }

  /** Ends the process (SIGKILL) and waits until it is gone; then removes its `/tmp`. */
  public async stop(): Promise<void> {
    this.kill();
    await this.exited;
  }

  private kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
  }

  private takeCarry(): string[] {
    const lines = this.carry;
    this.carry = [];
    return lines;
  }

  private onData(stream: 'stdout' | 'stderr', chunk: string): void {
    if (stream === 'stderr') {
      this.stderrTail = (this.stderrTail + chunk).slice(-4096);
    }
    const text = this.partial[stream] + chunk;
    const lines = text.split('\n');
    this.partial[stream] = lines.pop()!;
    for (const line of lines) {
      this.onLine(stream, line);
    }
  }

  private flushPartial(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) {
        this.onLine(stream, this.partial[stream]);
        this.partial[stream] = '';
      }
    }
  }

  private onLine(stream: 'stdout' | 'stderr', line: string): void {
    const mark = line.indexOf(SENTINEL_MARK);
    if (mark >= 0) {
      const before = line.slice(0, mark);
      if (before) {
        this.push(stream, before);
      }
      const active = this.active;
      if (active && line.slice(mark + SENTINEL_MARK.length) === active.requestId) {
        active.streamsDone[stream] = true;
        this.maybeSettle();
      }
      return;
    }
    this.push(stream, line);
  }

  private push(stream: 'stdout' | 'stderr', line: string): void {
    const active = this.active;
    (active && !active.streamsDone[stream] ? active.lines : this.carry).push(line);
    this.spec.onLine(line);
  }

  private onResult(message: Extract<HostMessage, { type: 'result' }>): void {
    if (this.active?.requestId === message.requestId) {
      this.active.result = message;
      this.maybeSettle();
    }
  }

  private maybeSettle(): void {
    const active = this.active;
    if (!active?.result || !active.streamsDone.stdout || !active.streamsDone.stderr) {
      return;
    }
    this.active = undefined;
    clearTimeout(active.timer);
    const result = active.result;
    active.settle({
      payload: result.payload,
      error: result.error,
      durationMs: result.durationMs,
      maxMemoryUsedMiB: result.maxMemoryUsedMiB,
      initDurationMs: active.initDurationMs,
      lines: active.lines,
      ended: Boolean(result.exiting),
    });
  }

  private onExit(status: { code: number | null; signal: NodeJS.Signals | null }): void {
    rmSync(this.spec.temporaryDirectory, { recursive: true, force: true });
    this.spec.onExit?.();
    const active = this.active;
    if (!active) {
      return;
    }
    this.active = undefined;
    clearTimeout(active.timer);
    const durationMs = performance.now() - active.started;
    if (active.result) {
      // The host reported the result, then exited (an uncaught exception after the response).
      const result = active.result;
      active.settle({
        payload: result.payload,
        error: result.error,
        durationMs: result.durationMs,
        maxMemoryUsedMiB: result.maxMemoryUsedMiB,
        initDurationMs: active.initDurationMs,
        lines: active.lines.concat(this.takeCarry()),
        ended: true,
      });
      return;
    }
    const lines = active.lines.concat(this.takeCarry());
    if (active.timedOutAfterMs !== undefined) {
      const seconds = (active.timedOutAfterMs / 1000).toFixed(2);
      lines.push(`${new Date().toISOString()} ${active.requestId} Task timed out after ${seconds} seconds`);
      active.settle({
        error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${active.requestId} Error: Task timed out after ${seconds} seconds` },
        durationMs,
        initDurationMs: active.initDurationMs,
        lines,
        ended: true,
        timedOut: true,
      });
      return;
    }
    active.settle({ error: this.exitError(active.requestId, status), durationMs, initDurationMs: active.initDurationMs, lines, ended: true });
  }

  /** A process that ended on its own: `Runtime.ExitError`, as Lambda reports `Runtime exited with error: exit status 1`. */
  private exitError(requestId: string | undefined, status: { code: number | null; signal: NodeJS.Signals | null }): FunctionErrorPayload {
    const how = status.signal ? `signal: ${signalName(status.signal)}` : `exit status ${status.code}`;
    const outOfMemory = /heap out of memory|Allocation failed/.test(this.stderrTail);
    return {
      errorType: outOfMemory ? 'Runtime.OutOfMemory' : 'Runtime.ExitError',
      errorMessage: `${requestId ? `RequestId: ${requestId} ` : ''}Error: Runtime exited with error: ${how}`,
    };
  }
}

/** Signal names as Go (Lambda's runtime manager) prints them. */
function signalName(signal: NodeJS.Signals): string {
  const names: Partial<Record<NodeJS.Signals, string>> = {
    SIGKILL: 'killed', SIGABRT: 'aborted', SIGSEGV: 'segmentation fault', SIGTERM: 'terminated',
  };
  return names[signal] ?? signal;
}
