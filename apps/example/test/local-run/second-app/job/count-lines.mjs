#!/usr/bin/env node
// The second app's job: counts the lines of one uploaded text file.
//
// It reads only the run contract (PIPELINE_* environment variables) and writes counts.json
// into PIPELINE_OUTPUT_DIR. It fails on purpose, with exit code 3, when the input's first line
// is FAIL, so that tests can drive the pipeline's failure path with an ordinary upload.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const names = ['PIPELINE_RUN_ID', 'PIPELINE_INPUT_PATH', 'PIPELINE_OUTPUT_DIR', 'PIPELINE_SOURCE_BUCKET', 'PIPELINE_SOURCE_KEY'];
const missing = names.filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.error(`count-lines: missing ${missing.join(', ')}`);
  process.exit(2);
}
const content = await readFile(process.env.PIPELINE_INPUT_PATH);
const text = content.toString('utf-8');
const lines = text.length === 0 ? [] : text.replace(/\n$/, '').split('\n');
if (lines[0]?.trim() === 'FAIL') {
  console.error('count-lines: the first line says FAIL');
  process.exit(3);
}
await mkdir(process.env.PIPELINE_OUTPUT_DIR, { recursive: true });
const counts = {
  runId: process.env.PIPELINE_RUN_ID,
  source: { bucket: process.env.PIPELINE_SOURCE_BUCKET, key: process.env.PIPELINE_SOURCE_KEY },
  lines: lines.length,
  nonEmptyLines: lines.filter((line) => line.trim() !== '').length,
  sha256: createHash('sha256').update(content).digest('hex'),
};
await writeFile(path.join(process.env.PIPELINE_OUTPUT_DIR, 'counts.json'), `${JSON.stringify(counts, null, 2)}\n`);
console.log(JSON.stringify({ outcome: 'counted', runId: counts.runId, lines: counts.lines }));
