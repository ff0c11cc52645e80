import { LocalRuntimeError, serveRuntime, ServedRuntime } from '@batch-pipeline/local';
import { parseCliOptions, runtimeOptions } from '@batch-pipeline/local/lib/cli/cli-options';
import { CliError } from '../cli-error';

/** The runtimes this process started for commands without a target, stopped by `stopInProcessRuntimes`. */
const started: ServedRuntime[] = [];

/**
 * The app folder's pipeline in this process, served on a free loopback port so that a command
 * without --stack or --endpoint-url reaches it through the same SDK clients as a served or
 * deployed one. `localArgs` are the local runtime's options (--assembly, --app, --state-dir,
 * --pipeline); the runs an earlier `run`, `watch` or `serve` of the same state directory ended
 * are in its Step Functions history. `note` says where the runtime is.
 */
export async function startInProcessRuntime(localArgs: readonly string[], note: (line: string) => void): Promise<ServedRuntime> {
  let served: ServedRuntime;
  try {
    served = await serveRuntime({ ...runtimeOptions(parseCliOptions(['watch', ...localArgs])), host: '127.0.0.1', port: 0 });
  } catch (error) {
    // Without a target the app folder is the target: what is wrong with it, and the other targets.
    if (error instanceof LocalRuntimeError) {
      throw new CliError(error.message, `${error.remedy}; or pass --stack <name> for a deployed stack, `
        + 'or --endpoint-url <url> of `batch-pipeline serve`');
    }
    throw error;
  }
  started.push(served);
  note(`the local runtime of ${served.runtime.model.stackName} runs in this process (its endpoint ${served.endpoint}; `
    + `state in ${served.runtime.state.root})`);
  return served;
}

/**
 * Stops what `startInProcessRuntime` started, once the runs started in it (a `rerun`, a
 * `backfill`) have ended: they would otherwise end ABORTED with the process.
 */
export async function stopInProcessRuntimes(note: (line: string) => void): Promise<void> {
  for (const served of started.splice(0)) {
    const running = [...served.runtime.runs.values()].filter((run) => run.status === 'RUNNING').length;
    if (running > 0) {
      note(`waiting for the ${running} run${running === 1 ? '' : 's'} started in this process to end (the local runtime `
      + 'ends with it)');
    }
    try {
      await served.runtime.idle();
    } finally {
      await served.stop();
    }
  }
}
