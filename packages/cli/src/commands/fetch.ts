import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, GetObjectCommandOutput, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { checksumOf } from '@batch-pipeline/local';
import { CliError, EXIT } from '../cli-error';
import { Command } from '../command';
import { parseRunCommandLine, TARGET_USAGE } from '../command-line';
import { describeRun } from '../runs/executions';
import { explainAwsError } from '../target/aws-errors';
import { call, PipelineTarget, resolveTarget } from '../target/pipeline-target';
import { reportPrefixOf } from '../target/run-locations';

const USAGE = `Usage: batch-pipeline fetch <run> [--to DIR] <target>

Downloads the run's reports (every object under its report prefix) into DIR (default
./reports/<run>/), each checked against the checksum S3 stored with it.
  --to <dir>      where to put the reports
${TARGET_USAGE}`;

const ALGORITHMS = ['CRC64NVME', 'CRC32C', 'CRC32', 'SHA256', 'SHA1'] as const;
type Algorithm = typeof ALGORITHMS[number];

/** One fetched report. */
export interface FetchedReport {
  readonly key: string;
  readonly file: string;
  readonly size: number;
  /** `SHA256 verified`, or why only the size was checked. */
  readonly verified: string;
}

function storedChecksum(object: GetObjectCommandOutput): { algorithm: Algorithm; value: string } | undefined {
  for (const algorithm of ALGORITHMS) {
    const value = object[`Checksum${algorithm}`];
    if (value) return { algorithm, value };
  }
  return undefined;
}

/** Checks the bytes against the object's checksum; a mismatch is a CliError (nothing is kept). */
function verify(key: string, object: GetObjectCommandOutput, bytes: Uint8Array): string {
  if (object.ContentLength !== undefined && object.ContentLength !== bytes.length) {
    throw new CliError(`${key}: received ${bytes.length} of ${object.ContentLength} bytes`, 'run fetch again');
  }
  const stored = storedChecksum(object);
  if (!stored) return 'size checked (S3 stored no checksum)';
  if (stored.value.includes('-') || object.ChecksumType === 'COMPOSITE') return `size checked (${stored.algorithm} of a multipart upload's parts)`;
  const actual = checksumOf(stored.algorithm, bytes);
  if (actual !== stored.value) {
    throw new CliError(`${key}: the ${stored.algorithm} of what arrived (${actual}) is not the one S3 stored (${stored.value})`,
      'run fetch again; if it persists, the object was changed while it was read');
  }
  return `${stored.algorithm} verified`;
}

/** Downloads a run's reports into `directory`. */
export async function fetchReports(target: PipelineTarget, runId: string, directory: string): Promise<FetchedReport[]> {
  if (!target.reports) {
    throw new CliError(`the pipeline of ${target.stackName} has no report location that fetch recognises`, 'read the reports with the S3 console '
      + 'or `aws s3 ls` on the reports bucket');
  }
  const described = await describeRun(target, runId);
  const inputRunId = (JSON.parse(described.input ?? '{}') as { runId?: string }).runId ?? described.name!;
  const prefix = reportPrefixOf(target.reports, inputRunId);
  const keys: string[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client: target.clients.s3 }, { Bucket: target.reports.bucket, Prefix: prefix })) {
      keys.push(...(page.Contents ?? []).map((object) => object.Key!).filter((key) => !key.endsWith('/')));
    }
  } catch (error) {
    throw explainAwsError(error, 'ListObjectsV2') ?? error;
  }
  const fetched: FetchedReport[] = [];
  for (const key of keys) {
    const object = await call('GetObject',
      () => target.clients.s3.send(new GetObjectCommand({ Bucket: target.reports!.bucket, Key: key, ChecksumMode: 'ENABLED' })));
    const bytes = await object.Body!.transformToByteArray();
    const verified = verify(key, object, bytes);
    const relative = key.slice(prefix.length);
    const file = path.resolve(directory, relative);
    if (!file.startsWith(path.resolve(directory) + path.sep)) {
      throw new CliError(`the report key ${key} leaves the folder ${directory}`, 'fetch it with `aws s3 cp` instead');
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    fetched.push({ key, file, size: bytes.length, verified });
  }
  return fetched;
}

export const fetchCommand: Command = {
  name: 'fetch',
  summary: 'download a run\'s reports into a folder, checksums verified',
  async run(args, output) {
    const command = parseRunCommandLine('fetch', args, { to: { type: 'string' } }, USAGE, output);
    if (!command) return EXIT.ok;
    const runId = command.runId;
    const target = await resolveTarget(command);
    const directory = path.resolve(command.values.to ?? path.join('reports', runId));
    const described = await describeRun(target, runId);
    const fetched = await fetchReports(target, runId, directory);
    if (command.json) {
      output.print(JSON.stringify({ run: runId, status: described.status, directory, reports: fetched }, undefined, 2));
    } else if (fetched.length === 0) {
      output.print(`run ${runId} (${described.status}) has no reports under `
        + `s3://${target.reports!.bucket}/${reportPrefixOf(target.reports!, runId)}`);
    } else {
      for (const report of fetched) output.print(`${path.relative(process.cwd(), report.file)}  ${report.size} bytes  ${report.verified}`);
    }
    return fetched.length === 0 ? EXIT.runFailed : EXIT.ok;
  },
};
