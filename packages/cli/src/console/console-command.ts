import { spawn } from 'node:child_process';
import { LocalRuntimeError, serveRuntime, ServedRuntime } from '@batch-pipeline/local';
import { parseCliOptions, runtimeOptions } from '@batch-pipeline/local/lib/cli/cli-options';
import { ConsoleApi } from './console-api';
import { DEFAULT_CONSOLE_PORT, startConsoleServer } from './console-server';
import { CliError, EXIT } from '../cli-error';
import { CliOutput, Command } from '../command';
import { parseCommandLine, positiveInteger, TARGET_USAGE } from '../command-line';
import { resolveTarget } from '../target/pipeline-target';

const USAGE = `Usage: batch-pipeline console [--port N] [--open] [<target> | <local runtime options>]

A page in the browser on this machine (http://127.0.0.1:${DEFAULT_CONSOLE_PORT}/ by default, printed):
the runs, live; a run's state graph coloured by its history, its job's status reason, its logs,
notification and reports; re-run, cancel and upload; the pipeline's resources and recent metrics.
It listens on 127.0.0.1 only and refuses requests of other hosts or origins. Until Ctrl-C.
  --port <n>      the port (default ${DEFAULT_CONSOLE_PORT}; 0 picks a free one)
  --open          open the page in the default browser (xdg-open / open / start)
${TARGET_USAGE}
Without --stack or --endpoint-url: the app folder's pipeline runs in this process (the local
runtime, as \`batch-pipeline serve\` starts it): --assembly, --app, --synth, --pipeline,
--state-dir, --fast, --time-scale, --no-docker as for \`run\`.`;

/** Whether the arguments name a deployed stack or a served runtime. */
function namesTarget(args: readonly string[]): boolean {
  return args.some((arg) => /^--(stack|endpoint-url)(=|$)/.test(arg)) || process.env.AWS_ENDPOINT_URL !== undefined;
}

/** `--port` and `--open` out of the arguments; the rest are the target's. */
function consoleArguments(args: readonly string[]): { port: number; open: boolean; rest: string[] } {
  const rest: string[] = [];
  let port = DEFAULT_CONSOLE_PORT;
  let open = false;
  for (let index = 0; index < args.length; index++) {
    const [name, inline] = args[index].split(/=(.*)/s, 2);
    if (name === '--open') {
      open = true;
    } else if (name === '--port') {
      const value = inline ?? args[++index];
      port = value === '0' ? 0 : positiveInteger('port', value ?? '', DEFAULT_CONSOLE_PORT, 65_535);
    } else {
      rest.push(args[index]);
    }
  }
  return { port, open, rest };
}

/** Opens a URL in the default browser, without waiting for it; a failure is only a note. */
function openInBrowser(url: string, note: (line: string) => void): void {
  const [command, ...args] = process.platform === 'darwin'
    ? ['open', url]
    : process.platform === 'win32' ? ['cmd', '/c', 'start', '', url] : ['xdg-open', url];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => note(`could not open a browser (${command}): open ${url} yourself`));
  child.unref();
}

/** `batch-pipeline console`: the page, until SIGINT or SIGTERM (or `until`, for tests). */
export async function consoleMain(args: readonly string[], output: CliOutput, until?: Promise<void>): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    output.print(USAGE);
    return EXIT.ok;
  }
  const { port, open, rest } = consoleArguments(args);
  let served: ServedRuntime | undefined;
  let target;
  if (namesTarget(rest)) {
    target = await resolveTarget(parseCommandLine('console', rest, {}, false));
  } else {
    // The local runtime in this process, reached through its own loopback endpoint by the same clients.
    try {
      const options = parseCliOptions(['watch', ...rest]);
      served = await serveRuntime({
        ...runtimeOptions(options),
        host: '127.0.0.1',
        port: 0,
      });
    } catch (error) {
      if (error instanceof LocalRuntimeError) throw new CliError(error.message, error.remedy);
      throw error;
    }
    output.note(`the local runtime of ${served.runtime.model.stackName} runs in this process (its endpoint ${served.endpoint}; `
      + `state in ${served.runtime.state.root})`);
    target = await resolveTarget({ connection: { endpointUrl: served.endpoint } });
  }
  let server;
  try {
    server = await startConsoleServer(new ConsoleApi(target), port);
  } catch (error) {
    await served?.stop();
    throw error;
  }
  output.print(`console of ${target.stackName} (${target.clients.describe()}) at ${server.url}`);
  output.print('  listening on 127.0.0.1 only; Ctrl-C stops it');
  if (open) openInBrowser(server.url, output.note);
  let onSignal: () => void = () => undefined;
  await Promise.race([
    new Promise<void>((resolve) => {
      onSignal = resolve;
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    }),
    ...(until ? [until] : []),
  ]);
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  await server.stop();
  await served?.stop();
  output.print('console stopped');
  return EXIT.ok;
}

export const consoleCommand: Command = {
  name: 'console',
  summary: 'a page in the browser on 127.0.0.1: live runs, a run\'s state graph, logs, reports, re-run, cancel, upload',
  run: (args, output) => consoleMain(args, output),
};
