import { readableCause } from '../src/output/failure-cause';

/** The cause Step Functions gives a failed `submitJob.sync` task: the job's DescribeJobs entry in PascalCase. */
const BATCH_CAUSE = JSON.stringify({
  JobArn: 'arn:aws:batch:eu-west-2:111122223333:job/0f1e2d3c',
  JobName: 'plate_csv-0123456789abcdef',
  JobId: '0f1e2d3c',
  JobQueue: 'arn:aws:batch:eu-west-2:111122223333:job-queue/Queue',
  Attempts: [{ Container: { ExitCode: 7, LogStreamName: 'Processor/default/abc' }, StatusReason: 'Essential container in task exited' }],
  Container: { Image: 'processor:latest', ExitCode: 7, LogStreamName: 'Processor/default/abc' },
  Status: 'FAILED',
  StatusReason: 'Essential container in task exited',
});

describe('a failure cause as people read it', () => {
  test('given a Batch job description (PascalCase, as Step Functions puts it), then the job, its exit code and status reason, not the JSON', () => {
    expect(readableCause(BATCH_CAUSE)).toBe('job plate_csv-0123456789abcdef: exit code 7, Essential container in task exited');
  });

  test('given a job whose container never ran (camelCase, as DescribeJobs answers), then no exit code and the container\'s reason', () => {
    const cause = JSON.stringify({
      jobId: 'j-1',
      jobName: 'plate',
      status: 'FAILED',
      statusReason: 'Task failed to start',
      container: { reason: 'CannotPullContainerError: pull access denied' },
    });
    expect(readableCause(cause)).toBe('job plate: exit code none (it did not exit by itself), Task failed to start '
      + '(container: CannotPullContainerError: pull access denied)');
  });

  test('given the exit code only in the last attempt, then that exit code', () => {
    const cause = JSON.stringify({ JobId: 'j-2', Attempts: [{ Container: { ExitCode: 1 } }, { Container: { ExitCode: 137 } }] });
    expect(readableCause(cause)).toBe('job j-2: exit code 137');
  });

  test('given a cause that is not JSON, then it is kept as it is, shortened to the length asked with an ellipsis', () => {
    expect(readableCause('Lambda timed out after 3 s')).toBe('Lambda timed out after 3 s');
    const long = `Traceback: ${'x'.repeat(1_000)}`;
    const shortened = readableCause(long, 100);
    expect(shortened).toHaveLength(100);
    expect(shortened).toBe(`${long.slice(0, 97)}...`);
  });

  test('given JSON that is no job description, then it is kept as it is', () => {
    expect(readableCause('{"errorMessage":"boom","errorType":"Error"}')).toBe('{"errorMessage":"boom","errorType":"Error"}');
  });
});
