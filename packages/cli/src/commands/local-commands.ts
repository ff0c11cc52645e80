import { main as localMain } from '@batch-pipeline/local/lib/cli';
import { deployedRun } from './deployed-run';
import { Command } from '../command';

/** Whether the arguments name a deployed stack or a served runtime (else: the local runtime in this process). */
function targetsEndpoint(args: readonly string[]): boolean {
  return args.some((arg) => arg === '--stack' || arg.startsWith('--stack=') || arg === '--endpoint-url' || arg.startsWith('--endpoint-url='));
}

/**
 * `watch`, and `run` without a stack or an endpoint: the local runtime's own commands
 * (packages/local), which start the app's pipeline in this process. `run` with --stack or
 * --endpoint-url (or AWS_ENDPOINT_URL) uploads to that pipeline instead (deployed-run.ts).
 */
export function localCommand(name: 'run' | 'watch', summary: string): Command {
  return {
    name,
    summary,
    run: (args, output) => {
      if (name !== 'run') return localMain([name, ...args], output.print, output.note);
      if (targetsEndpoint(args)) return deployedRun(args, output);
      // AWS_ENDPOINT_URL counts as --endpoint-url, as for every other command (the README's recipe).
      const fromEnvironment = process.env.AWS_ENDPOINT_URL;
      if (fromEnvironment !== undefined && fromEnvironment !== '') {
        output.note(`AWS_ENDPOINT_URL is set: running against ${fromEnvironment} (unset it to run the app's pipeline in this process)`);
        return deployedRun(args, output);
      }
      return localMain([name, ...args], output.print, output.note);
    },
  };
}
