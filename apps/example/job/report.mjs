#!/usr/bin/env node
// The example pipeline job: describes one uploaded file.
//
// It reads only the run contract (the PIPELINE_* environment variables the
// orchestration sets on the Batch job, and the local runtime sets on a process)
// and writes report.json and report.txt into PIPELINE_OUTPUT_DIR. It has no
// dependencies, so it runs the same in the container image built from this
// directory and as `node job/report.mjs` on a laptop.
//
// Exit codes: 0 report written; 2 a contract variable is missing; 3 the input
// cannot be read; 4 the report cannot be written.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The run contract, as in RunContract (packages/batch/src/run-contract.ts). */
const CONTRACT = {
  runId: 'PIPELINE_RUN_ID',
  inputPath: 'PIPELINE_INPUT_PATH',
  outputDir: 'PIPELINE_OUTPUT_DIR',
  sourceBucket: 'PIPELINE_SOURCE_BUCKET',
  sourceKey: 'PIPELINE_SOURCE_KEY',
};

/** Files with these extensions are also parsed as delimited tables. */
const DELIMITERS = { '.csv': ',', '.tsv': '\t' };

/** Whitespace as in `\s`, without a regular expression per character. */
function isSpace(code) {
  return (code >= 0x09 && code <= 0x0d) || code === 0x20 || code === 0xa0 || code === 0x1680
    || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029
    || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

class JobError extends Error {
  constructor(message, exitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}

function readContract(env) {
  const missing = Object.values(CONTRACT).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new JobError(`missing run contract environment variable(s): ${missing.join(', ')}`, 2);
  }
  return Object.fromEntries(Object.entries(CONTRACT).map(([field, name]) => [field, env[name]]));
}

/**
 * Counts a delimited table incrementally: records (RFC 4180 quoting, so a quoted
 * newline does not end a record) and the fields of each record.
 */
class TableCounter {
  constructor(delimiter) {
    this.delimiter = delimiter;
    this.records = 0;
    this.columns = undefined; // of the first record (the header, when there is one)
    this.minColumns = Infinity;
    this.maxColumns = 0;
    this.fields = 1;
    this.inQuotes = false;
    this.recordHasContent = false;
  }

  push(text) {
    for (const ch of text) {
      if (this.inQuotes) {
        if (ch === '"') this.inQuotes = false; // a doubled quote re-enters on the next '"'
      } else if (ch === '"') {
        this.inQuotes = true;
        this.recordHasContent = true;
      } else if (ch === this.delimiter) {
        this.fields += 1;
        this.recordHasContent = true;
      } else if (ch === '\n') {
        this.endRecord();
      } else if (ch !== '\r') {
        this.recordHasContent = true;
      }
    }
  }

  endRecord() {
    if (this.recordHasContent) { // blank lines are not records
      this.records += 1;
      this.columns ??= this.fields;
      this.minColumns = Math.min(this.minColumns, this.fields);
      this.maxColumns = Math.max(this.maxColumns, this.fields);
    }
    this.fields = 1;
    this.recordHasContent = false;
  }

  result() {
    this.endRecord();
    return {
      delimiter: this.delimiter,
      rows: this.records,
      dataRows: Math.max(this.records - 1, 0), // the first row taken as the header
      columns: this.columns ?? 0,
      consistentColumns: this.records === 0 || this.minColumns === this.maxColumns,
      unterminatedQuote: this.inQuotes,
    };
  }
}

async function describe(inputPath) {
  let info;
  try {
    info = await stat(inputPath);
  } catch (error) {
    throw new JobError(`cannot read input ${inputPath}: ${error.code ?? error.message}`, 3);
  }
  if (!info.isFile()) {
    throw new JobError(`cannot read input ${inputPath}: not a regular file`, 3);
  }
  const delimiter = DELIMITERS[path.extname(inputPath).toLowerCase()];
  const table = delimiter ? new TableCounter(delimiter) : undefined;
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let bytes = 0;
  let lines = 0;
  let words = 0;
  let inWord = false;
  let lastByte;
  const count = (text) => {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x0a) lines += 1;
      const space = isSpace(code);
      if (!space && !inWord) words += 1;
      inWord = !space;
    }
    table?.push(text);
  };
  try {
    for await (const chunk of createReadStream(inputPath)) {
      hash.update(chunk);
      bytes += chunk.length;
      lastByte = chunk[chunk.length - 1];
      count(decoder.decode(chunk, { stream: true }));
    }
    count(decoder.decode());
  } catch (error) {
    throw new JobError(`cannot read input ${inputPath}: ${error.code ?? error.message}`, 3);
  }
  // Like `wc -l`, but a last line without a newline counts too.
  if (bytes > 0 && lastByte !== 0x0a) lines += 1;
  return {
    bytes,
    lines,
    words,
    sha256: hash.digest('hex'),
    ...(table ? { table: table.result() } : {}),
  };
}

function summary(report) {
  const { input, stats } = report;
  const lines = [
    `Run ${report.runId}`,
    `Input s3://${input.bucket}/${input.key} (${input.fileName})`,
    `${stats.bytes} bytes, ${stats.lines} lines, ${stats.words} words`,
    `sha256 ${stats.sha256}`,
  ];
  if (stats.table) {
    const t = stats.table;
    lines.push(`Table: ${t.rows} rows (${t.dataRows} after the header), ${t.columns} columns${t.consistentColumns ? '' : ' (rows differ in column count)'}`);
  }
  lines.push(`Generated ${report.generatedAt}`);
  return `${lines.join('\n')}\n`;
}

async function main() {
  const contract = readContract(process.env);
  const stats = await describe(contract.inputPath);
  const report = {
    runId: contract.runId,
    input: {
      bucket: contract.sourceBucket,
      key: contract.sourceKey,
      fileName: path.basename(contract.inputPath),
    },
    stats,
    generatedAt: new Date().toISOString(),
  };
  try {
    await mkdir(contract.outputDir, { recursive: true });
    await writeFile(path.join(contract.outputDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(path.join(contract.outputDir, 'report.txt'), summary(report));
  } catch (error) {
    throw new JobError(`cannot write the report into ${contract.outputDir}: ${error.code ?? error.message}`, 4);
  }
  console.log(JSON.stringify({ outcome: 'report-written', runId: contract.runId, outputDir: contract.outputDir, bytes: stats.bytes }));
}

main().catch((error) => {
  console.error(`report.mjs: ${error.message}`);
  process.exitCode = error instanceof JobError ? error.exitCode : 1;
});
