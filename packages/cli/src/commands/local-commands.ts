import { main as localMain } from '@batch-pipeline/local/lib/cli';
import { Command } from '../command';

/**
 * `watch`, and `run` without a stack or an endpoint: the local runtime's own commands
 * (packages/local), which start the app's pipeline in this process.
 */
export function localCommand(name: 'run' | 'watch', summary: string): Command {
  return {
    name,
    summary,
    run: (args, output) => localMain([name, ...args], output.print),
  };
}
