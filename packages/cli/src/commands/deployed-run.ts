import { createReadStream, statSync } from 'node:fs';
import * as path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { LocalRuntimeError } from '@batch-pipeline/local';
import { checkReadable } from '@batch-pipeline/local/lib/cli/cli-options';
import { runInputFor, skipReasonFor } from '@batch-pipeline/run-contract';
import { uploadFilterOf } from './backfill';
import { fetchReports } from './fetch';
import { followRun, intervalOf, printOutcome, RunOutcome } from './follow';
import { CliError, EXIT } from '../cli-error';
import { CliOutput } from '../command';
import { parseCommandLine, TARGET_USAGE } from '../command-line';
import { commandHint } from '../output/command-hint';
import { describeRun } from '../runs/executions';
import { sleep } from '../runs/start-pacer';
import { call, PipelineTarget, resolveTarget } from '../target/pipeline-target';

export const DEPLOYED_RUN_USAGE = `Usage: batch-pipeline run <file>... --stack <name> | --endpoint-url <url> [--key K] [--to DIR]

Against a deployed (or served) pipeline: uploads each file into the watched prefix with a
SHA-256 checksum S3 verifies, follows the run its upload starts, downloads its reports into
DIR/<run>/ (default ./reports/<run>/), checksums verified. Exit code 0 when every run
succeeded, 1 when one failed. Without --stack or --endpoint-url, \`run\` runs the app's pipeline
in this process (the local runtime: batch-pipeline run --help).
  --key <K>       the object key of the upload (one file only; default <watched prefix><file name>)
  --to <dir>      where the reports go (default ./reports)
  --wait <s>      how long to wait for the run to start after the upload (default 120)
${TARGET_USAGE}`;

/** How the run of an upload is found: by its run id when the bucket is versioned, else by its key among recent runs. */
async function runOfUpload(
  target: PipelineTarget, key: string, versionId: string | undefined, size: number, uploadedAt: number, waitMs: number,
): Promise<string> {
  const filter = uploadFilterOf(target);
  const deadline = Date.now() + waitMs;
  const runId = versionId ? runInputFor({ bucket: target.upload.bucket, key, versionId, size }, filter.prefix).runId : undefined;
  for (;;) {
    if (runId) {
      try {
        return (await describeRun(target, runId)).name!;
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
      }
    } else {
      const page = await call('ListExecutions',
        () => target.clients.stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: target.stateMachineArn, maxResults: 50 })));
      for (const execution of (page.executions ?? []).filter((candidate) => (candidate.startDate?.getTime() ?? 0) >= uploadedAt - 5_000)) {
        const input = JSON.parse((await describeRun(target, execution.executionArn!)).input ?? '{}') as { key?: string };
        if (input.key === key) return execution.name!;
      }
    }
    if (Date.now() > deadline) {
      throw new CliError(`no run started for s3://${target.upload.bucket}/${key} within ${Math.round(waitMs / 1_000)} s`,
        `see the trigger function's log, or \`${commandHint('runs', target.targetArgs)}\` later; start it by hand with `
          + `\`${commandHint(`backfill --prefix ${key}`, target.targetArgs)}\``, EXIT.runFailed);
    }
    await sleep(1_000);
  }
}

/** `run <file>...` against a deployed stack or a served runtime. */
export async function deployedRun(args: readonly string[], output: CliOutput): Promise<number> {
  const command = parseCommandLine('run', args,
    { key: { type: 'string' }, to: { type: 'string' }, wait: { type: 'string' }, interval: { type: 'string' } });
  if (command.help) {
    output.print(DEPLOYED_RUN_USAGE);
    return EXIT.ok;
  }
  const files = command.positionals.map((file) => path.resolve(file));
  if (files.length === 0) {
    throw new CliError('`run` needs at least one file to upload', 'for example `batch-pipeline run samples/scan.csv '
    + '--stack <name>`');
  }
  if (command.values.key !== undefined && files.length !== 1) {
    throw new CliError('--key names the key of one upload, '
    + 'but several files were given', 'run one file per --key, or leave --key out');
  }
  try {
    files.forEach(checkReadable);
  } catch (error) {
    if (error instanceof LocalRuntimeError) throw new CliError(error.message, error.remedy);
    throw error;
  }
  const waitMs = Number(command.values.wait ?? 120) * 1_000;
  if (!(waitMs > 0)) throw new CliError(`--wait ${command.values.wait} is not valid`, 'use a number of seconds above 0');
  const target = await resolveTarget(command);
  const filter = uploadFilterOf(target);
  const outcomes: RunOutcome[] = [];
  for (const file of files) {
    const key = command.values.key ?? `${filter.prefix}${path.basename(file)}`;
    const size = statSync(file).size;
    const refused = skipReasonFor('ObjectCreated:Put', key, size, filter);
    if (refused) {
      throw new CliError(`the pipeline would start no run for s3://${target.upload.bucket}/${key} (${refused})`,
        `upload under ${filter.prefix || 'the bucket'}${filter.suffixes.length ? ` with a key ending in ${filter.suffixes.join(' or ')}` : ''}, `
          + 'and a file that is not empty');
    }
    const uploadedAt = Date.now();
    const put = await call('PutObject', () => target.clients.s3.send(new PutObjectCommand({
      Bucket: target.upload.bucket, Key: key, Body: createReadStream(file), ContentLength: size, ChecksumAlgorithm: 'SHA256',
    })));
    if (!command.json) {
      output.print(`uploaded ${path.relative(process.cwd(), file)} to `
      + `s3://${target.upload.bucket}/${key}${put.VersionId ? ` (version ${put.VersionId})` : ''}, SHA-256 ${put.ChecksumSHA256 ?? 'checked'}`);
    }
    const runId = await runOfUpload(target, key, put.VersionId, size, uploadedAt, waitMs);
    if (!command.json) output.print(`run ${runId} started`);
    const onLine = command.json ? undefined : output.print;
    const outcome = await followRun(target, runId, { intervalMs: intervalOf(command.values.interval), onLine });
    outcomes.push(outcome);
    if (!command.json) printOutcome(outcome, output, command.targetArgs);
    if (outcome.status === 'SUCCEEDED' && target.reports) {
      const fetched = await fetchReports(target, runId, path.resolve(command.values.to ?? 'reports', runId));
      if (!command.json) {
        for (const report of fetched) {
          output.print(`  fetched ${path.relative(process.cwd(), report.file)} (${report.size} `
        + `bytes, ${report.verified})`);
        }
      }
    }
  }
  if (command.json) output.print(JSON.stringify(outcomes, undefined, 2));
  return outcomes.every((outcome) => outcome.status === 'SUCCEEDED') ? EXIT.ok : EXIT.runFailed;
}
