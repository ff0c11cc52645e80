import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunContract } from '@batch-pipeline/batch';

const JOB = path.join(__dirname, '..', 'job', 'report.mjs');

/** Runs job/report.mjs as a process, as the local runtime does, with only the given environment. */
function runJob(env: Record<string, string | undefined>) {
  const result = spawnSync(process.execPath, [JOB], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf-8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('job/report.mjs', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'report-job-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** The environment the orchestration gives a run, with the access point root at `root`. */
  function contractFor(fileName: string, content: string | Buffer): Record<string, string> {
    const env = RunContract.environmentFor({
      runId: 'people_csv-0123456789abcdef01234567',
      inputFileName: fileName,
      sourceBucket: 'upload-bucket',
      sourceKey: `incoming/${fileName}`,
      mountPath: root,
    });
    fs.mkdirSync(path.dirname(env[RunContract.INPUT_PATH]), { recursive: true });
    fs.writeFileSync(env[RunContract.INPUT_PATH], content);
    return env;
  }

  test('reads only the run contract names of RunContract', () => {
    const source = fs.readFileSync(JOB, 'utf-8');
    const used = [...new Set(source.match(/PIPELINE_[A-Z_]+/g))].sort();
    expect(used).toEqual([...RunContract.ENVIRONMENT_VARIABLES].sort());
  });

  test('writes report.json and report.txt for a CSV into the run output directory', () => {
    // Given a CSV with a header, a quoted delimiter and a quoted newline
    const csv = 'name,city,age\n"Smith, J",Leeds,42\n"multi\nline",York,7\n';
    const env = contractFor('people.csv', csv);

    // When the job runs
    const { status, stderr, stdout } = runJob(env);

    // Then it succeeds and the report describes the file
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'report-written', runId: 'people_csv-0123456789abcdef01234567' });
    const outputDir = env[RunContract.OUTPUT_DIR];
    expect(outputDir).toBe(path.join(root, 'runs', 'people_csv-0123456789abcdef01234567', 'out'));
    expect(fs.readdirSync(outputDir).sort()).toEqual(['report.json', 'report.txt']);
    const report = JSON.parse(fs.readFileSync(path.join(outputDir, 'report.json'), 'utf-8'));
    expect(report).toEqual({
      runId: 'people_csv-0123456789abcdef01234567',
      input: { bucket: 'upload-bucket', key: 'incoming/people.csv', fileName: 'people.csv' },
      stats: {
        bytes: Buffer.byteLength(csv),
        lines: 4,
        words: 5, // whitespace-separated, as wc -w counts
        sha256: createHash('sha256').update(csv).digest('hex'),
        table: { delimiter: ',', rows: 3, dataRows: 2, columns: 3, consistentColumns: true, unterminatedQuote: false },
      },
      generatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const text = fs.readFileSync(path.join(outputDir, 'report.txt'), 'utf-8');
    expect(text).toContain('Run people_csv-0123456789abcdef01234567');
    expect(text).toContain('Input s3://upload-bucket/incoming/people.csv');
    expect(text).toContain(`${Buffer.byteLength(csv)} bytes, 4 lines, 5 words`);
    expect(text).toContain('Table: 3 rows (2 after the header), 3 columns');
  });

  test('counts a text file without table statistics, including a last line without a newline', () => {
    const env = contractFor('notes.txt', 'hello world\nsecond  line here');
    expect(runJob(env).status).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(env[RunContract.OUTPUT_DIR], 'report.json'), 'utf-8'));
    expect(report.stats).toEqual({
      bytes: 29,
      lines: 2,
      words: 5,
      sha256: createHash('sha256').update('hello world\nsecond  line here').digest('hex'),
    });
  });

  test('reports an empty file as zero bytes, lines and words', () => {
    const env = contractFor('empty.csv', '');
    expect(runJob(env).status).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(env[RunContract.OUTPUT_DIR], 'report.json'), 'utf-8'));
    expect(report.stats).toMatchObject({ bytes: 0, lines: 0, words: 0, table: { rows: 0, columns: 0 } });
  });

  test('flags rows with different column counts', () => {
    const env = contractFor('ragged.csv', 'a,b,c\n1,2\n');
    expect(runJob(env).status).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(env[RunContract.OUTPUT_DIR], 'report.json'), 'utf-8'));
    expect(report.stats.table).toMatchObject({ rows: 2, columns: 3, consistentColumns: false });
  });

  test.each(RunContract.ENVIRONMENT_VARIABLES)('fails with exit code 2 and names %s when it is missing', (name) => {
    // Given the whole contract except one variable
    const env: Record<string, string | undefined> = contractFor('people.csv', 'a,b\n1,2\n');
    delete env[name];

    // When the job runs
    const { status, stderr } = runJob(env);

    // Then it fails, says which variable is missing and writes nothing
    expect(status).toBe(2);
    expect(stderr).toBe(`report.mjs: missing run contract environment variable(s): ${name}\n`);
    expect(fs.existsSync(path.join(root, 'runs', 'people_csv-0123456789abcdef01234567', 'out'))).toBe(false);
  });

  test('fails with exit code 3 when the input file does not exist', () => {
    const env = contractFor('people.csv', 'a\n');
    fs.rmSync(env[RunContract.INPUT_PATH]);
    const { status, stderr } = runJob(env);
    expect(status).toBe(3);
    expect(stderr).toBe(`report.mjs: cannot read input ${env[RunContract.INPUT_PATH]}: ENOENT\n`);
  });

  test('fails with exit code 3 when the input path is a directory', () => {
    const env = contractFor('people.csv', 'a\n');
    const { status, stderr } = runJob({ ...env, [RunContract.INPUT_PATH]: root });
    expect(status).toBe(3);
    expect(stderr).toContain('not a regular file');
  });
});
