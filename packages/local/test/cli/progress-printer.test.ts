import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { notificationFields } from '../../src/cli/failure-details';
import { ProgressPrinter } from '../../src/cli/progress-printer';
import { RunSummary } from '../../src/runtime/run-summary';
import { temporaryDirectory } from '../assembly/tiny-assembly';

let root: string;
let lines: string[];

beforeEach(() => {
  root = temporaryDirectory('progress-printer-');
  lines = [];
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function printer(verbose = false): ProgressPrinter {
  return new ProgressPrinter((line) => lines.push(line), verbose, root);
}

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: 'run-1',
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Pipeline:run-1',
    status: 'SUCCEEDED',
    input: { bucket: 'uploads', key: 'incoming/a.csv', versionId: 'v1' },
    durationMs: 1234,
    transitions: 9,
    reports: [],
    notifications: [],
    ...overrides,
  };
}

describe('progress', () => {
  test('each state entered is printed with the run and the time since the run started', () => {
    const progress = printer();
    progress.onEvent({ type: 'state-entered', execution: 'run-1', state: 'Stage in', at: 10_000 });
    progress.onEvent({ type: 'state-entered', execution: 'run-2', state: 'Stage in', at: 10_500 });
    progress.onEvent({ type: 'state-entered', execution: 'run-1', state: 'Process', at: 12_300 });
    expect(lines).toEqual([
      '  run-1    0.0 s  Stage in',
      '  run-2    0.0 s  Stage in',
      '  run-1    2.3 s  Process',
    ]);
  });

  test('a notification names its topic and the file it was written to, relative to the working directory', () => {
    printer().onEvent({ type: 'notification', topicArn: 'arn:aws:sns:us-east-1:000000000000:failures', message: 'm', file: path.join(root, 'notifications', 'failures.jsonl') });
    expect(lines).toEqual([`  notification published to failures (${path.join('notifications', 'failures.jsonl')})`]);
  });

  test('what functions and jobs write is printed only when verbose', () => {
    printer().onEvent({ type: 'log', source: 'trigger', message: 'hello' });
    expect(lines).toEqual([]);
    const verbose = printer(true);
    verbose.onEvent({ type: 'log', source: 'trigger', message: 'hello' });
    verbose.onEvent({ type: 'job-output', jobName: 'job-1', line: 'working' });
    expect(lines).toEqual(['  trigger: hello', '  job-1: working']);
  });

  test('metrics are not printed', () => {
    printer(true).onEvent({ type: 'metric', namespace: 'N', metricName: 'M', value: 1 });
    expect(lines).toEqual([]);
  });
});

describe('the summary of a run', () => {
  test('a successful run prints status, duration, transitions, upload and each report with its text', () => {
    // given a small text report
    const report = path.join(root, 'buckets', 'reports', 'run-1', 'report.txt');
    mkdirSync(path.dirname(report), { recursive: true });
    writeFileSync(report, 'sha256 abc\nrows 3\n');

    printer().summary(summary({ reports: [{ bucket: 'reports', key: 'run-1/report.txt', file: report, size: 18 }] }));

    expect(lines).toEqual([
      '',
      'run run-1: SUCCEEDED in 1.2 s, 9 state transitions',
      '  upload  s3://uploads/incoming/a.csv (version v1)',
      '  report  s3://reports/run-1/report.txt (18 bytes)',
      `          ${path.join('buckets', 'reports', 'run-1', 'report.txt')}`,
      '          | sha256 abc',
      '          | rows 3',
    ]);
  });

  test('an upload to an unversioned bucket shows no version', () => {
    printer().summary(summary({ input: { bucket: 'uploads', key: 'a.csv', versionId: 'null' } }));
    expect(lines[2]).toBe('  upload  s3://uploads/a.csv');
  });

  test('binary and large reports are located but not printed', () => {
    const binary = path.join(root, 'binary.bin');
    writeFileSync(binary, Buffer.from([1, 0, 2]));
    const large = path.join(root, 'large.txt');
    writeFileSync(large, 'x'.repeat(5000));
    printer().summary(summary({
      reports: [{ bucket: 'r', key: 'run-1/binary.bin', file: binary, size: 3 }, { bucket: 'r', key: 'run-1/large.txt', file: large, size: 5000 }],
    }));
    expect(lines.filter((line) => line.includes('|'))).toEqual([]);
    expect(lines.filter((line) => line.startsWith('  report'))).toHaveLength(2);
  });

  test('a failed run prints the failed step its notification names, its error, cause (shortened) and notifications', () => {
    const notification = JSON.stringify({ runId: 'run-1', failedStep: 'stage in', error: 'States.TaskFailed' });
    printer().summary(summary({ status: 'FAILED', error: 'States.TaskFailed', cause: 'c'.repeat(700), notifications: [notification] }));
    expect(lines).toContain('  failed  in step \'stage in\': States.TaskFailed');
    expect(lines).toContain(`  cause   ${'c'.repeat(600)}...`);
    expect(lines).toContain(`  notification ${notification}`);
  });

  test('a failed job: the step, the job\'s exit code and reason, the exact log file and the last lines it wrote', () => {
    // given a job that wrote 20 lines and exited 3, as the Batch emulator logs it and Step Functions reports it
    const logsDirectory = path.join(root, 'logs');
    const logFile = path.join(logsDirectory, 'batch', 'process-report', 'run-1-process.log');
    mkdirSync(path.dirname(logFile), { recursive: true });
    const stderr = Array.from({ length: 20 }, (_, i) => `warning ${i + 1}`);
    writeFileSync(logFile, ['[batch-pipeline] attempt 1: started', 'reading input', ...stderr, 'Error: cannot parse row 7', 'progress 90%', '[batch-pipeline] attempt 1 failed'].join('\n') + '\n');
    writeFileSync(path.join(path.dirname(logFile), 'run-1-process.stderr.log'), [...stderr, 'Error: cannot parse row 7'].join('\n') + '\n');
    const cause = JSON.stringify({
      JobName: 'run-1-process',
      JobDefinition: 'arn:aws:batch:eu-west-1:123456789012:job-definition/process-report:1',
      StatusReason: 'Essential container in task exited',
      Container: { ExitCode: 3, LogStreamName: 'process-report/default/abc-1' },
    });
    const notification = JSON.stringify({ runId: 'run-1', failedStep: 'process', error: 'States.TaskFailed', cause });

    // when the summary of the failed run is printed
    printer().summary(summary({ status: 'FAILED', error: 'States.TaskFailed', cause, notifications: [notification], logsDirectory }));

    // then it says where it failed, how the job ended, where its whole output is, and its last lines
    expect(lines).toContain('  failed  in step \'process\': States.TaskFailed');
    expect(lines).toContain('  job     run-1-process: exit code 3, Essential container in task exited');
    expect(lines).toContain(`  log     ${path.join('logs', 'batch', 'process-report', 'run-1-process.log')}`);
    expect(lines).toContain('  stderr  the last lines the job wrote to stderr:');
    const shown = lines.filter((line) => line.startsWith('          | '));
    expect(shown).toHaveLength(12);
    expect(shown.at(-1)).toBe('          | Error: cannot parse row 7');
    expect(shown[0]).toBe('          | warning 10');
  });

  test('a failed job that wrote nothing to stderr: its last lines instead', () => {
    const logsDirectory = path.join(root, 'logs');
    const logFile = path.join(logsDirectory, 'batch', 'process-report', 'run-1-process.log');
    mkdirSync(path.dirname(logFile), { recursive: true });
    writeFileSync(logFile, 'reading input\nrow 7 has 3 columns, not 4\n[batch-pipeline] attempt 1 failed\n');
    const cause = JSON.stringify({ JobName: 'run-1-process', JobDefinition: 'arn:aws:batch:eu-west-1:123456789012:job-definition/process-report:1', Container: { ExitCode: 1 } });
    printer().summary(summary({ status: 'FAILED', error: 'States.TaskFailed', cause, logsDirectory }));
    expect(lines).toContain('  job     run-1-process: exit code 1');
    expect(lines).toContain('  stderr  nothing; the last lines the job wrote:');
    expect(lines.filter((line) => line.startsWith('          | '))).toEqual(['          | reading input', '          | row 7 has 3 columns, not 4']);
  });

  test('a notification written as readable text with a step line, or with a JSON part after it, is read the same way', () => {
    expect(notificationFields('Run run-1 failed\nStep: process\nError: States.TaskFailed\n')).toEqual({ failedStep: 'process', error: 'States.TaskFailed' });
    expect(notificationFields('Run run-1 failed at step "stage in"\n\n-- notification (JSON) --\n{"failedStep":"stage in","error":"DataSync.Failed"}'))
      .toMatchObject({ failedStep: 'stage in', error: 'DataSync.Failed' });
    expect(notificationFields('text', { failedStep: { StringValue: 'clean up' } })).toMatchObject({ failedStep: 'clean up' });
  });

  test('a readable (multi-line) notification is shown by its first line', () => {
    printer().summary(summary({ status: 'FAILED', error: 'States.TaskFailed', notifications: ['Run run-1 failed at step "process": exit code 3\n\nRun: run-1\nStep: process'] }));
    expect(lines).toContain('  failed  in step \'process\': States.TaskFailed');
    expect(lines).toContain('  notification Run run-1 failed at step "process": exit code 3 (...)');
  });

  test('a failed run without a notification says so', () => {
    printer().summary(summary({ status: 'FAILED', error: 'States.Timeout' }));
    expect(lines).toContain('  no notification was published');
  });
});
