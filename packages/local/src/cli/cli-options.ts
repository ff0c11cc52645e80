import { accessSync, constants, existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { commandLineRefusal } from './option-suggestion';
import { synthesizeApp } from '../assembly/synthesize-app';
import { LocalRuntimeError } from '../runtime/local-runtime-error';
import { PipelineRuntimeOptions } from '../runtime/pipeline-runtime';
import { describeKeyError, MAX_KEY_BYTES, objectKeyError } from '../services/s3/s3-object-key';

export const USAGE = `Usage: batch-pipeline <command> [options]

Runs the pipeline of a synthesized CDK app on this machine: buckets and EFS are folders,
the functions are the app's bundled code, the state machine runs locally, DataSync, Batch,
SNS and CloudWatch are emulated. No AWS account is used.

Commands:
  run <file>...     upload each file into the watched bucket, run the pipeline, print each
                    run's progress and summary; exits 1 when a run failed, 4 when an upload
                    started no run (the reason is printed), 2 for a mistake you can fix,
                    130 when Ctrl-C interrupted runs (recorded ABORTED; Ctrl-C twice exits at once)
  watch             upload every file copied into the watched bucket's folder of the state
                    directory (for example .batch-pipeline/buckets/<bucket>/incoming/) until Ctrl-C

Options:
  --assembly <dir>  the cloud assembly to run (default: ./cdk.out, or the app's output with --synth)
  --app <dir>       the CDK app folder (with cdk.json); job commands run there (default: ., or the
                    assembly's parent folder with --assembly)
  --synth           synthesize the app first (its cdk.json "app" command)
  --pipeline <id>   which pipeline, when the assembly has several: <stack> or <stack>/<state machine id>
  --state-dir <dir> where buckets, EFS, notifications and logs live (default: ./.batch-pipeline)
  --key <key>       the object key of the upload (run, one file only; default: <watched prefix><file name>)
  --fast            compress every wait 100 times (a demo takes seconds); same as --time-scale 0.01
  --time-scale <n>  multiply every wait by n (0 < n <= 1)
  --no-docker       run jobs as their local command even when a Docker engine answers
  --rerun-interrupted  run again the runs an earlier Ctrl-C interrupted in this state directory
                    (run; files are then optional)
  --quiet           print only the summaries
  --json            machine-readable output on stdout, the rest on stderr: run prints one JSON
                    document at the end ({ exitCode, pipeline, stateDirectory, runs: [run summary],
                    notStarted: [{ file, bucket, key, reason }] }); watch one JSON line per run summary
                    as each run ends; serve one JSON line of what it serves once it listens
  --verbose         also print what the functions and jobs write (always kept in <state-dir>/logs/)
  --help            this text
`;

export interface CliOptions {
  readonly command: 'run' | 'watch' | 'help';
  readonly files: readonly string[];
  readonly assemblyDirectory: string;
  /** Whether the assembly was synthesized by this command (so it cannot be older than the app). */
  readonly synthesized: boolean;
  readonly appDirectory: string;
  readonly pipeline?: string;
  readonly stateDirectory: string;
  readonly key?: string;
  readonly timeScale: number;
  readonly docker?: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Machine-readable output on stdout (see USAGE), the human lines on stderr. */
  readonly json?: boolean;
  /** Run again the runs an interrupt ended in this state directory. */
  readonly rerunInterrupted?: boolean;
}

/** The runtime the options ask for (run, watch, serve and the CLI's in-process target start the same one). */
export function runtimeOptions(options: CliOptions): PipelineRuntimeOptions {
  return {
    assemblyDirectory: options.assemblyDirectory,
    pipeline: options.pipeline,
    stateDirectory: options.stateDirectory,
    appDirectory: options.appDirectory,
    timeScale: options.timeScale,
    docker: options.docker,
  };
}

/** Fails with what to do unless `file` is a file this process can read (an upload of `run`). */
export function checkReadable(file: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LocalRuntimeError(code === 'ENOENT' ? `there is no file ${file}` : `cannot read ${file} (${code})`, 'pass the path of a readable file');
  }
  if (!statSync(file).isFile()) {
    throw new LocalRuntimeError(`${file} is not a file`, 'pass a file; to upload a folder, pass its files');
  }
}

/** Refuses (exit 2) a key S3 would refuse, before anything is synthesized or uploaded. */
export function checkKey(key: string, what = '--key'): void {
  const refusal = objectKeyError(key);
  if (refusal) {
    throw new LocalRuntimeError(`${what} '${key.length > 80 ? `${key.slice(0, 80)}...` : key}' is not a key S3 accepts: `
      + `${describeKeyError(key, refusal)}`,
    `use a key of at most ${MAX_KEY_BYTES} bytes of UTF-8 without a '..' segment`);
  }
}

/** The options of `run` and `watch`. */
const OPTIONS = {
  'assembly': { type: 'string' },
  'app': { type: 'string' },
  'synth': { type: 'boolean' },
  'pipeline': { type: 'string' },
  'state-dir': { type: 'string' },
  'key': { type: 'string' },
  'fast': { type: 'boolean' },
  'time-scale': { type: 'string' },
  'no-docker': { type: 'boolean' },
  'rerun-interrupted': { type: 'boolean' },
  'quiet': { type: 'boolean' },
  'json': { type: 'boolean' },
  'verbose': { type: 'boolean' },
  'help': { type: 'boolean', short: 'h' },
} as const;

/** How a command that takes the runtime's options names itself in errors: `serve` adds `--port` and `--host`. */
export interface CommandLineOwner {
  readonly command: string;
  readonly options: readonly string[];
}

/** Parses the command line; synthesizes the app when asked (or when there is no assembly but a cdk.json). */
export function parseCliOptions(argv: readonly string[], cwd = process.cwd(), owner?: CommandLineOwner): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: OPTIONS,
    });
  } catch (error) {
    const command = owner?.command ?? argv.find((arg) => !arg.startsWith('-')) ?? 'run';
    const refusal = commandLineRefusal(error as Error & { code?: string }, command, [...Object.keys(OPTIONS), ...(owner?.options ?? [])]);
    throw new LocalRuntimeError(refusal.message, refusal.remedy);
  }
  const { values, positionals } = parsed;
  const [command, ...files] = positionals;
  if (values.help || command === undefined || command === 'help') {
    return {
      command: 'help',
      files: [],
      assemblyDirectory: '',
      synthesized: false,
      appDirectory: '',
      stateDirectory: '',
      timeScale: 1,
      quiet: false,
      verbose: false,
    };
  }
  if (command !== 'run' && command !== 'watch') {
    throw new LocalRuntimeError(`unknown command '${command}'`, 'use `batch-pipeline run <file>` or `batch-pipeline watch` (see --help)');
  }
  if (command === 'run' && files.length === 0 && !values['rerun-interrupted']) {
    throw new LocalRuntimeError('`run` needs at least one file to upload', 'for example `batch-pipeline run samples/scan.csv`');
  }
  if (command === 'watch' && files.length > 0) {
    throw new LocalRuntimeError('`watch` takes no files', 'copy files into the watched bucket\'s folder while it runs');
  }
  if (values.key !== undefined && files.length !== 1) {
    throw new LocalRuntimeError('--key names the key of one upload, but several files were given', 'run one file per --key, or leave --key out');
  }
  if (values.key !== undefined) checkKey(values.key);
  const timeScale = values.fast ? 0.01 : values['time-scale'] !== undefined ? Number(values['time-scale']) : 1;
  if (!(timeScale > 0 && timeScale <= 1)) {
    throw new LocalRuntimeError(`--time-scale ${values['time-scale']} is not valid`, 'use a number above 0 and at most 1, such as 0.01');
  }
  // The uploads are checked before a synthesis that may take minutes.
  const uploads = files.map((file) => path.resolve(cwd, file));
  uploads.forEach(checkReadable);
  const appDirectory = path.resolve(cwd, values.app ?? '.');
  let assemblyDirectory: string;
  let synthesized = false;
  if (values.synth) {
    assemblyDirectory = synthesizeApp(appDirectory, values.assembly ? path.resolve(cwd, values.assembly) : undefined);
    synthesized = true;
  } else if (values.assembly) {
    assemblyDirectory = path.resolve(cwd, values.assembly);
  } else if (existsSync(path.join(appDirectory, 'cdk.out', 'manifest.json'))) {
    assemblyDirectory = path.join(appDirectory, 'cdk.out');
  } else if (existsSync(path.join(appDirectory, 'cdk.json'))) {
    assemblyDirectory = synthesizeApp(appDirectory);
    synthesized = true;
  } else {
    throw new LocalRuntimeError(`there is no cloud assembly in ${appDirectory} (no cdk.out) and no CDK app (no cdk.json)`,
      'run in your CDK app folder, or pass --app <folder> --synth, or --assembly <cdk.out>');
  }
  return {
    command,
    files: uploads,
    assemblyDirectory,
    synthesized,
    // A job's local command has paths relative to its app: with --assembly alone, the app is the
    // folder the assembly was synthesized in (cdk.out's parent), not wherever the command runs.
    appDirectory: values.app === undefined && values.assembly !== undefined && !values.synth ? path.dirname(assemblyDirectory) : appDirectory,
    pipeline: values.pipeline,
    stateDirectory: path.resolve(cwd, values['state-dir'] ?? '.batch-pipeline'),
    key: values.key,
    timeScale,
    docker: values['no-docker'] ? false : undefined,
    quiet: values.quiet ?? false,
    verbose: values.verbose ?? false,
    json: values.json ?? false,
    rerunInterrupted: values['rerun-interrupted'] ?? false,
  };
}
