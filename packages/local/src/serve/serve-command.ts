import * as path from 'node:path';
import { DEFAULT_SERVE_PORT, serveRuntime, ServedRuntime } from './serve-runtime';
import { parseCliOptions, runtimeOptions } from '../cli/cli-options';
import { catchStateDirectoryFailures, stateDirectoryError } from '../cli/state-directory-failure';
import { handleInterrupts, interruptedNotice, reportInterrupt } from '../runtime/interrupt-handler';
import { LocalRuntimeError } from '../runtime/local-runtime-error';

export const SERVE_USAGE = `Usage: batch-pipeline serve [options]

Starts the local runtime of the app's assembly and serves it as AWS endpoints on one port until
Ctrl-C: S3, Step Functions, CloudFormation, CloudWatch Logs, Batch (DescribeJobs, TerminateJob),
SNS (Publish), Lambda (Invoke) and DataSync (Describe/CancelTaskExecution), routed by each
request's SigV4 service name. Use it with \`aws --endpoint-url\`, AWS_ENDPOINT_URL,
boto3 or the SDKs and any credentials: it checks no signature and enforces no IAM policy.

Options:
  --port <n>        the port (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)
  --host <address>  the interface to listen on (default 127.0.0.1: this machine only)
  --json            one JSON line on stdout once it listens ({ endpoint, stack, pipeline, stacks,
                    uploadTo, buckets, stateDirectory, services, region }); the rest on stderr
  --assembly, --app, --synth, --pipeline, --state-dir, --fast, --time-scale, --no-docker: as for \`run\`
`;

/** `--port`/`--host` out of the arguments; the rest are the runtime's options, as `run` takes them. */
function serveArguments(argv: readonly string[]): { port: number; host: string; rest: string[] } {
  const rest: string[] = [];
  let port = DEFAULT_SERVE_PORT;
  let host = '127.0.0.1';
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2);
    if (name !== '--port' && name !== '--host') {
      rest.push(argv[i]);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') {
      throw new LocalRuntimeError(
        `${name} needs a value`,
        `for example ${name === '--port' ? `--port ${DEFAULT_SERVE_PORT}` : '--host 127.0.0.1'}`,
      );
    }
    if (name === '--host') {
      host = value;
    } else {
      port = Number(value);
      if (!/^\d+$/.test(value) || port > 65535) {
        throw new LocalRuntimeError(`--port ${value} is not a port`, 'pass a number from 1024 to 65535, '
        + 'or 0 for a free one');
      }
    }
  }
  return { port, host, rest };
}

/** What `serve --json` prints once it listens. */
export interface ServedDocument {
  readonly endpoint: string;
  readonly stack: string;
  /** The state machine's logical id. */
  readonly pipeline: string;
  readonly stateMachineArn: string;
  readonly stacks: readonly string[];
  /** `s3://<bucket>/<prefix>` of each upload trigger. */
  readonly uploadTo: readonly string[];
  /** The other buckets of the stack. */
  readonly buckets: readonly string[];
  readonly stateDirectory: string;
  readonly services: readonly string[];
  readonly region: string;
}

/** What `serve --json` prints once it listens (describeServed's lines say the same). */
export function servedDocument(served: ServedRuntime): ServedDocument {
  const { model, state } = served.runtime;
  const watched = new Set(model.uploadTriggers.map((trigger) => trigger.bucket.name));
  return {
    endpoint: served.endpoint,
    stack: model.stackName,
    pipeline: model.stateMachine.logicalId,
    stateMachineArn: model.stateMachine.arn,
    stacks: served.stacks,
    uploadTo: [...new Set(model.uploadTriggers.map((trigger) => `s3://${trigger.bucket.name}/${trigger.prefix ?? ''}`))],
    buckets: [...model.buckets.values()].map((bucket) => bucket.name).filter((name) => !watched.has(name)),
    stateDirectory: state.root,
    services: served.services,
    region: model.region,
  };
}

/** What a user needs to start: the endpoint, the stacks, where to upload, the state directory, and what is not checked. */
export function describeServed(served: ServedRuntime): string[] {
  const { model, state } = served.runtime;
  const { uploadTo: uploads, buckets: others } = servedDocument(served);
  return [
    `serving ${model.stackName} (pipeline ${model.stateMachine.logicalId}) at ${served.endpoint}`,
    `  stacks     ${served.stacks.join(', ')} (aws cloudformation describe-stacks shows their outputs)`,
    `  upload to  ${uploads.join(', ')} (each object there starts a run)`,
    ...(others.length > 0 ? [`  buckets    ${others.map((name) => `s3://${name}/`).join(', ')}`] : []),
    `  state      ${path.relative(process.cwd(), state.root) || '.'} (buckets, logs, notifications as plain files)`,
    `  services   ${served.services.join(', ')}, by each request's SigV4 service name; no signature is checked and no IAM policy is enforced`,
    `  try        aws --endpoint-url ${served.endpoint} s3 ls s3://${model.uploadTriggers[0]?.bucket.name ?? ''}/   (any credentials, `
      + `region ${model.region})`,
    'Ctrl-C stops it: runs in progress end ABORTED (interrupted) with their summaries written; Ctrl-C twice exits at once.',
  ];
}

/**
 * `batch-pipeline serve`: serves the runtime until SIGINT or SIGTERM (or `until` resolves, for
 * tests). The first signal closes the port and interrupts the runs in progress as `run` does (each
 * ends ABORTED with its summary written, its folders on the local file systems removed, its upload
 * kept), says what it did, then stops the runtime; a second one exits at once (130). A state
 * directory removed while it serves stops it with what to do (exit 2). Returns the exit code: 0, or
 * 2 for a mistake the user can fix (printed with what to do).
 */
export async function serveCommand(argv: readonly string[], print: (line: string) => void, until?: Promise<void>,
  note: (line: string) => void = (line) => console.error(line), exit: (code: number) => never = (code) => process.exit(code)): Promise<number> {
  let served: ServedRuntime;
  let json = false;
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      print(SERVE_USAGE);
      return 0;
    }
    const { port, host, rest } = serveArguments(argv);
    if (rest.some((arg) => arg === '--key' || arg.startsWith('--key='))) {
      throw new LocalRuntimeError('`serve` takes no --key', 'upload with `aws s3 cp <file> s3://<bucket>/<prefix>` once it runs');
    }
    const options = parseCliOptions(['watch', ...rest], process.cwd(), { command: 'serve', options: ['port', 'host'] });
    json = options.json === true;
    served = await serveRuntime({ ...runtimeOptions(options), host, port });
  } catch (error) {
    if (error instanceof LocalRuntimeError) {
      (json ? note : print)(`batch-pipeline: ${error.message}\n  what to do: ${error.remedy}`);
      return 2;
    }
    throw error;
  }
  const human = json ? note : print;
  const { runtime } = served;
  const root = runtime.state.root;
  // Ctrl-C is handled from before the endpoint is printed: a script that reads it may stop serve at once.
  const interrupts = handleInterrupts(runtime, human, exit, () => served.interrupt());
  // A service that fails to write in the state directory from an event handler, and the state directory removed.
  const failures = catchStateDirectoryFailures(root);
  let stateRemoved: () => void = () => undefined;
  const removed = new Promise<void>((resolve) => (stateRemoved = resolve));
  const stopWatching = runtime.state.watchRemoval(() => stateRemoved());
  if (json) {
    print(JSON.stringify(servedDocument(served)));
    describeServed(served).forEach(note);
  } else {
    describeServed(served).forEach(print);
  }
  interruptedNotice(runtime.interruptedRuns(), root).forEach(human);
  try {
    const ended = await Promise.race([
      interrupts.handled.then(() => 'interrupted' as const),
      removed.then(() => removedError(root)),
      failures.failed,
      ...(until ? [until.then(() => 'until' as const)] : []),
    ]);
    if (ended instanceof LocalRuntimeError) throw ended;
    if (ended === 'interrupted') {
      // Nothing to report when nothing ran.
      if ((await interrupts.handled).length > 0) await reportInterrupt(interrupts, root, human);
    } else {
      human('stopping: closing the port and ending what the runtime started');
    }
    await served.stop();
    human('stopped');
    return 0;
  } catch (error) {
    // The state directory was removed (or stopped taking writes) while serving, or while the runs' summaries were written.
    const failure = error instanceof LocalRuntimeError ? error : stateDirectoryError(error, root);
    if (!failure) throw error;
    const reason = `batch-pipeline: ${failure.message}`;
    // The runs still going end as the runtime stops and cannot be recorded there any more: no crash for that.
    for (const run of runtime.runs.values()) run.outcome.catch(() => undefined);
    await served.refuse(`${reason}; the local runtime stopped`);
    await served.stop().catch(() => undefined);
    human(`${reason}\n  what to do: ${failure.remedy.replace(/then run again$/, 'then start serve again')}`);
    return 2;
  } finally {
    stopWatching();
    failures.dispose();
    interrupts.dispose();
  }
}

/** What serve says when its state directory is gone. */
function removedError(root: string): LocalRuntimeError {
  return new LocalRuntimeError(`the state directory ${root} was removed while serve used it (its buckets, runs and logs with it)`,
    'start serve again to begin with an empty one; remove the state directory only after stopping serve (Ctrl-C)');
}
