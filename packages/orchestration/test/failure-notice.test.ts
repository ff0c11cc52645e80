import { checkPublish } from '@batch-pipeline/local';
import { failureNotice, JSON_PART_HEADING } from '../src/private/failure-notice';

const TOPIC_ARN = 'arn:aws:sns:eu-west-2:123456789012:Notifications';

/** A Batch job's description as Step Functions puts it in the cause of a failed `submitJob.sync`. */
function jobCause(fields: Record<string, unknown>): string {
  return JSON.stringify({
    JobArn: 'arn:aws:batch:eu-west-2:123456789012:job/1b2c',
    JobName: 'scan_csv-0a1b',
    JobId: '1b2c',
    Status: 'FAILED',
    JobDefinition: 'arn:aws:batch:eu-west-2:123456789012:job-definition/Job:1',
    ...fields,
  });
}

const RUN = {
  runId: 'scan_csv-0a1b2c3d4e5f60718293a4b5',
  bucket: 'uploads',
  key: 'incoming/2026/scan.csv',
  versionId: 'v1',
  failedStep: 'process',
  cleanUp: { removed: ['/runs/scan_csv-0a1b2c3d4e5f60718293a4b5'] },
  execution: 'arn:aws:states:eu-west-2:123456789012:execution:Pipeline:scan_csv-0a1b2c3d4e5f60718293a4b5',
};

/** The publish the failure path makes of a notice; SNS's rules (checkPublish) refuse what SNS would. */
function published(notice: ReturnType<typeof failureNotice>) {
  return checkPublish({ TopicArn: TOPIC_ARN, Subject: notice.subject, Message: notice.message, MessageAttributes: notice.attributes });
}

function jsonPart(message: string): any {
  return JSON.parse(message.slice(message.indexOf(JSON_PART_HEADING) + JSON_PART_HEADING.length));
}

describe('the failure notification', () => {
  test('given a job that exited with code 3, the subject and first line say run, file, step and reason; then exit code, status reason and log stream; the raw details last', () => {
    const notice = failureNotice({
      ...RUN,
      error: {
        Error: 'States.TaskFailed',
        Cause: jobCause({
          StatusReason: 'Essential container in task exited',
          Attempts: [{ Container: { ExitCode: 3, LogStreamName: 'Job/default/1b2c' } }],
          Container: { ExitCode: 3, LogStreamName: 'Job/default/1b2c', LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': '/batch-pipeline/jobs' } } },
        }),
      },
    });
    expect(published(notice).subject).toBe('Run failed at process: scan.csv (exit code 3)');
    const lines = notice.message.split('\n');
    expect(lines[0]).toBe('Run scan_csv-0a1b2c3d4e5f60718293a4b5 failed at step "process" for s3://uploads/incoming/2026/scan.csv (version v1): the job exited with code 3 (Essential container in task exited)');
    expect(lines).toEqual(expect.arrayContaining([
      'Exit code:     3',
      'Status reason: Essential container in task exited',
      'Log stream:    Job/default/1b2c in CloudWatch log group /batch-pipeline/jobs',
    ]));
    expect(jsonPart(notice.message)).toEqual(expect.objectContaining({
      event: 'run-failed',
      runId: RUN.runId,
      failedStep: 'process',
      error: 'States.TaskFailed',
      cause: expect.stringContaining('"ExitCode":3'),
      job: expect.objectContaining({ exitCode: 3, logGroup: '/batch-pipeline/jobs', logStream: 'Job/default/1b2c' }),
    }));
    expect(notice.attributes.exitCode).toEqual({ DataType: 'Number', StringValue: '3' });
  });

  test('given a job the queue cancelled after it waited RUNNABLE, the reason says it never started and what to check', () => {
    const notice = failureNotice({
      ...RUN,
      error: { Error: 'States.TaskFailed', Cause: jobCause({ StatusReason: 'Canceled by JobStateTimeLimit action due to reason: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', Attempts: [], Container: {} }) },
    });
    expect(published(notice).subject).toBe('Run failed at process: scan.csv (job never started)');
    expect(notice.message.split('\n')[0]).toMatch(/: the job never started: Batch cancelled it after it waited RUNNABLE at the head of the queue \(MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT\)$/);
    expect(notice.message).toMatch(/^Log stream: {4}none \(the job never ran\)$/m);
    expect(notice.message).toMatch(/^What to do: .*maxvCpus/m);
    expect(notice.attributes.jobStatusReason.StringValue).toMatch(/^Canceled by JobStateTimeLimit action/);
  });

  test('given a step that is not a job, the reason is the error and the first line of its cause', () => {
    const notice = failureNotice({ ...RUN, failedStep: 'prepare', error: { Error: 'StagedFileMissing', Cause: 'the staged file /staging/2026/scan.csv is missing\nmore detail' } });
    expect(published(notice).subject).toBe('Run failed at prepare: scan.csv (StagedFileMissing)');
    expect(notice.message.split('\n')[0]).toMatch(/: StagedFileMissing: the staged file \/staging\/2026\/scan.csv is missing$/);
    expect(notice.message).not.toMatch(/^Exit code:/m);
  });

  test.each([
    ['a Japanese file name', 'incoming/報告書.csv'],
    ['a 255-byte file name', `incoming/${'a'.repeat(251)}.csv`],
    ['a file name with a line break and a tab', 'incoming/two\nlines\t.csv'],
  ])('given %s, the subject is one ASCII line under 100 characters and still names the step and the reason', (_what, key) => {
    const notice = failureNotice({ ...RUN, key, error: { Error: 'States.Timeout', Cause: 'timed out' } });
    const { subject } = published(notice);
    expect(subject!.length).toBeLessThan(100);
    expect(subject).toMatch(/^Run failed at process: [\x20-\x7e]+ \(timed out\)$/);
  });

  test('given a cause near Step Functions\' limit, the message with its attributes stays within SNS\'s 256 KiB', () => {
    const notice = failureNotice({ ...RUN, error: { Error: 'States.TaskFailed', Cause: 'ü'.repeat(200_000) } });
    expect(() => published(notice)).not.toThrow();
    expect(jsonPart(notice.message).cause).toMatch(/\.\.\. \(cut to fit SNS's 256 KiB\)$/);
  });

  test('given fields missing or a clean-up that failed, it still formats a notification SNS accepts', () => {
    const notice = failureNotice({ error: { Error: 'States.Runtime' }, cleanUp: { Error: 'Lambda.Unknown', Cause: 'x' } });
    expect(() => published(notice)).not.toThrow();
    expect(notice.message).toMatch(/^Clean-up: {2}the clean-up of the run's files on EFS failed \(Lambda.Unknown\): they may still be there$/m);
  });

  test('has at most 10 message attributes, none empty', () => {
    const notice = failureNotice({
      ...RUN,
      error: { Error: 'States.TaskFailed', Cause: jobCause({ StatusReason: 'x', Container: { ExitCode: 1, LogStreamName: 's' } }) },
    });
    expect(Object.keys(notice.attributes).length).toBeLessThanOrEqual(10);
    expect(Object.values(notice.attributes).every((attribute) => attribute.StringValue !== '')).toBe(true);
  });
});
