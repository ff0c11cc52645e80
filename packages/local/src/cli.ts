#!/usr/bin/env node
import * as path from 'node:path';
import { checkReadable, CliOptions, parseCliOptions, USAGE } from './cli/cli-options';
import { ProgressPrinter } from './cli/progress-printer';
import { BucketWatcher } from './runtime/bucket-watcher';
import { LocalRuntimeError } from './runtime/local-runtime-error';
import { PipelineRuntime } from './runtime/pipeline-runtime';

/** The runtime the command line asks for, printing its progress unless --quiet. */
function startRuntime(options: CliOptions, printer: ProgressPrinter): Promise<PipelineRuntime> {
  return PipelineRuntime.start({
    assemblyDirectory: options.assemblyDirectory,
    pipeline: options.pipeline,
    stateDirectory: options.stateDirectory,
    appDirectory: options.appDirectory,
    timeScale: options.timeScale,
    docker: options.docker,
    onEvent: options.quiet ? undefined : (event) => printer.onEvent(event),
  });
}

async function run(options: CliOptions, print: (line: string) => void): Promise<number> {
  options.files.forEach(checkReadable);
  const printer = new ProgressPrinter(print, options.verbose);
  const runtime = await startRuntime(options, printer);
  try {
    print(`pipeline ${runtime.model.stackName}/${runtime.model.stateMachine.logicalId}, state in ${path.relative(process.cwd(), runtime.state.root) || '.'}`);
    const uploads = [];
    for (const file of options.files) {
      const upload = await runtime.upload(file, { key: options.key });
      print(`uploaded ${path.relative(process.cwd(), file)} to s3://${upload.bucket}/${upload.key}`);
      uploads.push(upload);
    }
    await runtime.idle();
    let failed = 0;
    for (const upload of uploads) {
      const runs = [...runtime.runs.values()].filter((candidate) => {
        const input = JSON.parse(candidate.input) as { bucket?: string; key?: string; versionId?: string | null };
        return input.bucket === upload.bucket && input.key === upload.key && (input.versionId ?? 'null') === upload.version.versionId;
      });
      if (runs.length === 0) {
        failed++;
        print(`\nno run started for s3://${upload.bucket}/${upload.key}: the trigger skipped it or failed (see ${path.relative(process.cwd(), runtime.state.logsDirectory)}/)`);
      }
      for (const started of runs) {
        const summary = await runtime.summaryOf(started.name);
        printer.summary(summary);
        if (summary.status !== 'SUCCEEDED') failed++;
      }
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await runtime.stop();
  }
}

async function watch(options: CliOptions, print: (line: string) => void): Promise<number> {
  const printer = new ProgressPrinter(print, options.verbose);
  const runtime = await startRuntime(options, printer);
  const trigger = runtime.model.uploadTriggers[0];
  const folder = path.join(runtime.state.bucketsRoot, trigger.bucket.name);
  const reported = new Set<string>();
  runtime.stepFunctionsService.onStart((execution) => void execution.outcome.then(async () => {
    if (reported.has(execution.name)) return;
    reported.add(execution.name);
    printer.summary(await runtime.summaryOf(execution.name));
  }));
  const watcher = new BucketWatcher(folder, async (key, file) => {
    print(`found ${path.relative(process.cwd(), file)}: uploading it as s3://${trigger.bucket.name}/${key}`);
    try {
      await runtime.upload(file, { key });
    } catch (error) {
      print(`  not uploaded: ${(error as Error).message}`);
    }
  });
  print(`watching ${path.relative(process.cwd(), path.join(folder, trigger.prefix ?? ''))}/ : copy files there to run them (Ctrl-C to stop)`);
  watcher.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await watcher.stop();
  print('stopping: waiting for the runs in progress');
  await runtime.idle();
  await runtime.stop();
  return 0;
}

/** The CLI, for `bin` and for tests: returns the exit code. */
export async function main(argv: readonly string[], print: (line: string) => void = (line) => console.log(line)): Promise<number> {
  try {
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 22) {
      // aws-local-stepfunctions and the functions' runtime need Node.js 22 or newer.
      throw new LocalRuntimeError(`Node.js ${process.versions.node} is too old for the local runtime`, 'use Node.js 22 or newer');
    }
    const options = parseCliOptions(argv);
    if (options.command === 'help') {
      print(USAGE);
      return 0;
    }
    return options.command === 'run' ? await run(options, print) : await watch(options, print);
  } catch (error) {
    if (error instanceof LocalRuntimeError) {
      print(`batch-pipeline: ${error.message}\n  what to do: ${error.remedy}`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
    console.error(error);
    process.exit(3);
  });
}
