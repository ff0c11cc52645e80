#!/usr/bin/env node
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { checkKey, checkReadable, CliOptions, parseCliOptions, runtimeOptions, USAGE } from './cli/cli-options';
import { ProgressPrinter } from './cli/progress-printer';
import { staleAssembly } from './cli/stale-assembly';
import { catchStateDirectoryFailures, probeStateDirectory, stateDirectoryError } from './cli/state-directory-failure';
import { describeSkipReason, notificationMismatch, TriggerSkip, triggerSkipOf } from './cli/upload-outcome';
import { BucketWatcher, watchedFolder } from './runtime/bucket-watcher';
import { handleInterrupts, interruptedNotice, reportInterrupt } from './runtime/interrupt-handler';
import { LocalRuntimeError } from './runtime/local-runtime-error';
import { InterruptedRerun, PipelineRuntime, Upload } from './runtime/pipeline-runtime';
import { RunSummary } from './runtime/run-summary';
import { runsOf } from './runtime/upload-runs';

/** The runtime the command line asks for, printing its progress unless --quiet. */
function startRuntime(options: CliOptions, printer: ProgressPrinter): Promise<PipelineRuntime> {
  return PipelineRuntime.start({ ...runtimeOptions(options), onEvent: options.quiet ? undefined : (event) => printer.onEvent(event) });
}

/** Exit codes (README, "Exit codes"). */
export const EXIT = { ok: 0, runFailed: 1, mistake: 2, internal: 3, nothingStarted: 4 } as const;

/** What `run --json` prints: the exit code, the runs' summaries and the uploads that started none. */
export interface RunReport {
  readonly exitCode: number;
  readonly pipeline: string;
  readonly stateDirectory: string;
  readonly runs: RunSummary[];
  readonly notStarted: Array<{ readonly file?: string; readonly bucket: string; readonly key: string; readonly reason: string }>;
}

async function run(options: CliOptions, print: (line: string) => void, emit?: (report: RunReport) => void): Promise<number> {
  options.files.forEach(checkReadable);
  const printer = new ProgressPrinter(print, options.verbose);
  warnWhenStale(options, print);
  const runtime = await startRuntime(options, printer);
  const failures = catchStateDirectoryFailures(options.stateDirectory);
  // Ctrl-C: runs in progress end ABORTED with their summaries written; a second one exits at once.
  const interrupts = handleInterrupts(runtime, print);
  try {
    const trigger = runtime.model.uploadTriggers[0];
    const skips = triggerSkips(runtime);
    print(`pipeline ${runtime.model.stackName}/${runtime.model.stateMachine.logicalId}, `
      + `state in ${path.relative(process.cwd(), runtime.state.root) || '.'}`);
    const uploads: Upload[] = [];
    const summaries: RunSummary[] = [];
    const notStarted: RunReport['notStarted'][number][] = [];
    const finish = (exitCode: number): number => {
      emit?.({
        exitCode,
        pipeline: `${runtime.model.stackName}/${runtime.model.stateMachine.logicalId}`,
        stateDirectory: runtime.state.root,
        runs: summaries,
        notStarted,
      });
      return exitCode;
    };
    let nothingStarted = 0;
    if (options.rerunInterrupted) {
      for (const upload of runtime.rerunInterrupted()) {
        print(rerunLine(upload));
        uploads.push(upload);
      }
    } else {
      interruptedNotice(runtime.interruptedRuns(), runtime.state.root).forEach(print);
    }
    for (const file of options.files) {
      const key = options.key ?? `${trigger.prefix ?? ''}${path.basename(file)}`;
      checkKey(key, options.key !== undefined ? '--key' : `the key of ${path.basename(file)}`);
      // S3 invokes nothing for a key no notification filter matches: say so, and upload nothing.
      const mismatch = notificationMismatch(runtime.model, trigger.bucket.name, key);
      if (mismatch !== undefined) {
        nothingStarted++;
        notStarted.push({ file, bucket: trigger.bucket.name, key, reason: `not uploaded: it would start no run: ${mismatch}` });
        print(`not uploaded ${path.relative(process.cwd(), file)}: s3://${trigger.bucket.name}/${key} would start no run: ${mismatch}`);
        continue;
      }
      const upload = await Promise.race([runtime.upload(file, { key }), failures.failed]);
      print(`uploaded ${path.relative(process.cwd(), file)} to s3://${upload.bucket}/${upload.key}`);
      uploads.push(upload);
    }
    await Promise.race([runtime.idle(), failures.failed, interrupts.handled]);
    if (interrupts.fired) {
      return finish(await reportInterrupt(interrupts, runtime.state.root, print, (summary) => {
        summaries.push(summary);
        printer.summary(summary);
      }));
    }
    const broken = probeStateDirectory(options.stateDirectory);
    if (broken) throw broken;
    let failed = 0;
    for (const upload of uploads) {
      const runs = runsOf(upload, runtime.runs.values());
      if (runs.length === 0) {
        nothingStarted++;
        const skip = skips.find((candidate) => candidate.bucket === upload.bucket && candidate.key === upload.key);
        const logs = path.relative(process.cwd(), path.join(runtime.state.logsDirectory, runtime.model.functions.get(trigger.functionArn)?.name
          ?? ''));
        const reason = skip ? describeSkipReason(skip.reason) : 'the trigger started none (it failed, or skipped it without saying why)';
        notStarted.push({ bucket: upload.bucket, key: upload.key, reason });
        print(`\nno run started for s3://${upload.bucket}/${upload.key}: ${reason} (the trigger's log: ${logs}/)`);
      }
      for (const started of runs) {
        const summary = await runtime.summaryOf(started.name);
        summaries.push(summary);
        printer.summary(summary);
        if (summary.status !== 'SUCCEEDED') failed++;
      }
    }
    return finish(failed > 0 ? EXIT.runFailed : nothingStarted > 0 ? EXIT.nothingStarted : EXIT.ok);
  } finally {
    interrupts.dispose();
    failures.dispose();
    await runtime.stop();
  }
}

/** What the trigger logs about uploads it skips, collected while the command runs. */
/** What `--rerun-interrupted` says of each run it starts again: the upload, the interrupted run and the new run's id. */
function rerunLine(rerun: InterruptedRerun): string {
  return `running again s3://${rerun.bucket}/${rerun.key} (version ${rerun.version.versionId}), interrupted earlier as ${rerun.of}`
    + (rerun.runId ? `, as ${rerun.runId}` : '');
}

function triggerSkips(runtime: PipelineRuntime, onSkip: (skip: TriggerSkip) => void = () => undefined): TriggerSkip[] {
  const triggerNames = new Set(runtime.model.uploadTriggers.map((trigger) => runtime.model.functions.get(trigger.functionArn)?.name));
  const skips: TriggerSkip[] = [];
  runtime.onEvent((event) => {
    if (event.type !== 'log' || !triggerNames.has(event.source)) return;
    const skip = triggerSkipOf(event.message);
    if (skip) {
      skips.push(skip);
      onSkip(skip);
    }
  });
  return skips;
}

/** A warning when the assembly is older than the app's sources (a run would use the old app). */
function warnWhenStale(options: CliOptions, print: (line: string) => void): void {
  if (options.synthesized) return;
  const stale = staleAssembly(options.appDirectory, options.assemblyDirectory);
  if (stale) {
    print(`warning: ${path.relative(process.cwd(), options.assemblyDirectory) || '.'} was synthesized ${stale.synthesizedAt.toISOString()}, before `
      + `${path.relative(process.cwd(), stale.source)} changed (${stale.sourceChangedAt.toISOString()}): this run uses the old assembly `
      + '(its prefix, its settings); pass --synth to synthesize the app first');
  }
}

async function watch(options: CliOptions, print: (line: string) => void, emit?: (summary: RunSummary) => void): Promise<number> {
  const printer = new ProgressPrinter(print, options.verbose);
  const runtime = await startRuntime(options, printer);
  const trigger = runtime.model.uploadTriggers[0];
  const folder = path.join(runtime.state.bucketsRoot, trigger.bucket.name);
  const reported = new Set<string>();
  runtime.stepFunctionsService.onStart((execution) => void execution.outcome.then(async () => {
    if (reported.has(execution.name)) return;
    reported.add(execution.name);
    const summary = await runtime.summaryOf(execution.name);
    emit?.(summary);
    printer.summary(summary);
  }));
  const watcher = new BucketWatcher(folder, async (key, file) => {
    print(`found ${path.relative(process.cwd(), file)}: uploading it as s3://${trigger.bucket.name}/${key}`);
    try {
      await runtime.upload(file, { key });
    } catch (error) {
      print(`  not uploaded: ${(error as Error).message}`);
    }
  });
  // An object written through the S3 endpoint already had its event: its file is not a new upload.
  watcher.followCommits(runtime.s3Endpoint.store, trigger.bucket.name);
  triggerSkips(runtime, (skip) => print(`\nno run started for s3://${skip.bucket}/${skip.key}: ${describeSkipReason(skip.reason)}`));
  // The folder the message names exists, so that copying a file into it works at once.
  const watched = watchedFolder(folder, trigger.prefix);
  mkdirSync(watched, { recursive: true });
  print(`watching ${path.relative(process.cwd(), watched)}/: copy files there to run them (Ctrl-C to stop)`);
  const interrupts = handleInterrupts(runtime, print);
  interruptedNotice(runtime.interruptedRuns(), runtime.state.root).forEach(print);
  if (options.rerunInterrupted) {
    for (const upload of runtime.rerunInterrupted()) print(rerunLine(upload));
  }
  watcher.start();
  // Ctrl-C: runs in progress end ABORTED with their summaries written (each is printed as it ends).
  const summaries = await interrupts.handled;
  await watcher.stop();
  const code = summaries.some((summary) => summary.status === 'ABORTED') ? await reportInterrupt(interrupts, runtime.state.root, print) : 0;
  interrupts.dispose();
  await runtime.stop();
  return code;
}

/**
 * The CLI, for `bin` and for tests: returns the exit code. With --json, `print` gets only the
 * JSON (run: one document; watch: one line per run) and `note` every other line.
 */
export async function main(argv: readonly string[], print: (line: string) => void = (line) => console.log(line),
  note: (line: string) => void = (line) => console.error(line)): Promise<number> {
  let stateDirectory: string | undefined;
  let json = false;
  try {
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 22) {
      // aws-local-stepfunctions and the functions' runtime need Node.js 22 or newer.
      throw new LocalRuntimeError(`Node.js ${process.versions.node} is too old for the local runtime`, 'use Node.js 22 or newer');
    }
    const options = parseCliOptions(argv);
    if (options.command === 'help') {
      print(USAGE);
      return EXIT.ok;
    }
    stateDirectory = options.stateDirectory;
    json = options.json === true;
    if (options.json) {
      return options.command === 'run'
        ? await run(options, note, (report) => print(JSON.stringify(report, undefined, 2)))
        : await watch(options, note, (summary) => print(JSON.stringify(summary)));
    }
    return options.command === 'run' ? await run(options, print) : await watch(options, print);
  } catch (error) {
    const mistake = error instanceof LocalRuntimeError ? error
      : stateDirectory !== undefined ? stateDirectoryError(error, stateDirectory) : undefined;
    if (mistake) {
      (json ? note : print)(`batch-pipeline: ${mistake.message}\n  what to do: ${mistake.remedy}`);
      return EXIT.mistake;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
    console.error(error);
    process.exit(EXIT.internal);
  });
}
