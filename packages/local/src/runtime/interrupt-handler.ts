import * as path from 'node:path';
import { INTERRUPTED } from './interrupted-runs';
import { PipelineRuntime } from './pipeline-runtime';
import { RunSummary } from './run-summary';

/** The exit code after an interrupt: 128 + SIGINT's number, as a shell reports a process Ctrl-C ended. */
export const INTERRUPTED_EXIT_CODE = 130;

/** What the command line does on Ctrl-C (SIGINT) or SIGTERM while a runtime runs. */
export interface InterruptHandler {
  /** Whether a signal arrived. */
  readonly fired: boolean;
  /** Resolves with every run's summary once the first signal was handled; pending until one arrives. */
  readonly handled: Promise<RunSummary[]>;
  /** Stops listening for the signals. */
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM: the first says what happens and interrupts the runtime (runs in
 * progress end ABORTED, their jobs and transfers end, every run's summary is written); a second
 * one exits at once (the job process groups are killed on the way out). `interrupt` is what the
 * first does (serve closes its port first).
 */
export function handleInterrupts(runtime: PipelineRuntime, print: (line: string) => void,
  exit: (code: number) => never = (code) => process.exit(code),
  interrupt: () => Promise<RunSummary[]> = () => runtime.interrupt()): InterruptHandler {
  let fired = false;
  let resolve!: (summaries: RunSummary[]) => void;
  let reject!: (error: unknown) => void;
  const handled = new Promise<RunSummary[]>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (fired) {
      print(`${signal} again: exiting now (job processes are killed; the summaries of the runs in progress are not written)`);
      exit(INTERRUPTED_EXIT_CODE);
    }
    fired = true;
    const inProgress = [...runtime.runs.values()].filter((run) => run.status === 'RUNNING').length;
    print(`\n${signal}: stopping. ${inProgress === 0
      ? 'No run is in progress'
      : `Ending ${inProgress} run${inProgress === 1 ? '' : 's'} in progress (jobs get SIGTERM, then SIGKILL; uploads are kept)`}; `
      + "writing every run's summary. Ctrl-C again to exit at once.");
    interrupt().then(resolve, reject);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get fired() {
      return fired;
    },
    handled,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The command that runs a state directory's interrupted runs again. */
export function rerunCommand(stateDirectory: string): string {
  const relative = path.relative(process.cwd(), stateDirectory) || '.';
  return `batch-pipeline run --rerun-interrupted${relative === '.batch-pipeline' ? '' : ` --state-dir ${relative}`}`;
}

/** Lines that report interrupted runs and how to run them again (empty when there are none). */
export function interruptedNotice(runs: readonly RunSummary[], stateDirectory: string): string[] {
  if (runs.length === 0) return [];
  return [
    `${runs.length} run${runs.length === 1 ? ' was' : 's were'} interrupted in ${path.relative(process.cwd(), stateDirectory) || '.'} and not `
      + 'run again (the uploads are kept):',
    ...runs.map((run) => `  ${run.runId}  s3://${run.input.bucket}/${run.input.key}`
      + `${run.input.versionId && run.input.versionId !== 'null' ? ` (version ${run.input.versionId})` : ''}`
      + `${run.state ? `, in state '${run.state}'` : ''}${run.interruptedAt ? `, at ${run.interruptedAt}` : ''}`),
    `run ${runs.length === 1 ? 'it' : 'them'} again: ${rerunCommand(stateDirectory)}`,
  ];
}

/**
 * After the first signal: prints every run's summary (finished ones as they ended, interrupted
 * ones ABORTED), then which runs were interrupted and how to run them again; the exit code.
 */
export async function reportInterrupt(handler: InterruptHandler, stateDirectory: string, print: (line: string) => void,
  printSummary: (summary: RunSummary) => void = () => undefined): Promise<number> {
  const summaries = await handler.handled;
  summaries.forEach(printSummary);
  const interrupted = summaries.filter((summary) => summary.status === 'ABORTED' && summary.error === INTERRUPTED);
  const removed = interrupted.reduce((count, summary) => count + (summary.removedFolders?.length ?? 0), 0);
  print('');
  print(`interrupted: ${summaries.length} run summar${summaries.length === 1 ? 'y' : 'ies'} written to `
    + `${path.relative(process.cwd(), path.join(stateDirectory, 'runs')) || '.'}/`
    + (interrupted.length > 0 ? `; ${interrupted.length} run${interrupted.length === 1 ? '' : 's'} ended ABORTED, `
    + `${removed} run folder${removed === 1 ? '' : 's'} removed from the local file systems` : ''));
  interruptedNotice(interrupted, stateDirectory).forEach(print);
  return INTERRUPTED_EXIT_CODE;
}
