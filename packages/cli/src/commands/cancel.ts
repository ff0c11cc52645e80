import { TerminateJobCommand } from '@aws-sdk/client-batch';
import { CancelTaskExecutionCommand } from '@aws-sdk/client-datasync';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { EXIT } from '../cli-error';
import { Command } from '../command';
import { parseRunCommandLine, TARGET_USAGE } from '../command-line';
import { commandHint } from '../output/command-hint';
import { describeRun, historyOf } from '../runs/executions';
import { describeJobs, FINAL_STATES } from '../runs/job-status';
import { startedResourcesOf } from '../runs/run-history';
import { explainAwsError } from '../target/aws-errors';
import { call, PipelineTarget, resolveTarget } from '../target/pipeline-target';

const USAGE = `Usage: batch-pipeline cancel <run> <target>

Ends a running run and what it started: stops the execution (StopExecution), terminates its
Batch job (TerminateJob) and cancels its DataSync task executions (CancelTaskExecution). The
upload is kept (re-run it with \`batch-pipeline rerun\`). The run's files on EFS cannot be removed
from here (see the README); cancel says where they are.
${TARGET_USAGE}`;

/** What `cancel` did. */
export interface Cancellation {
  readonly run: string;
  /** The run's status before: only a RUNNING run is stopped. */
  readonly status: string;
  readonly stopped: string[];
  readonly notStopped: string[];
  readonly upload?: string;
}

/** Stops a run and what it started; returns what was stopped and what could not be. */
export async function cancelRun(target: PipelineTarget, runId: string): Promise<Cancellation> {
  const described = await describeRun(target, runId);
  const input = JSON.parse(described.input ?? '{}') as { runId?: string; bucket?: string; key?: string; versionId?: string | null };
  const upload = input.key ? `s3://${input.bucket}/${input.key}${input.versionId ? ` (version ${input.versionId})` : ''}` : undefined;
  if (described.status !== 'RUNNING') return { run: described.name!, status: described.status!, stopped: [], notStopped: [], upload };
  const stopped: string[] = [];
  const notStopped: string[] = [];
  // The execution first, so that it starts nothing more; then what it had started.
  await call('StopExecution', () => target.clients.stepFunctions.send(new StopExecutionCommand({
    executionArn: described.executionArn, error: 'Cancelled', cause: 'cancelled with batch-pipeline cancel',
  })));
  stopped.push(`execution ${described.name}`);
  const { jobIds, taskExecutionArns } = startedResourcesOf(await historyOf(target, described.executionArn!));
  for (const job of await describeJobs(target, jobIds)) {
    if (FINAL_STATES.has(job.status ?? '')) continue;
    try {
      await target.clients.batch.send(new TerminateJobCommand({
        jobId: job.jobId,
        reason: `run ${described.name} cancelled with `
        + 'batch-pipeline cancel',
      }));
      stopped.push(`Batch job ${job.jobName} (${job.jobId}, was ${job.status})`);
    } catch (error) {
      const explained = explainAwsError(error, 'TerminateJob');
      if (explained) throw explained;
      notStopped.push(`Batch job ${job.jobName} (${job.jobId}): ${(error as Error).message}`);
    }
  }
  for (const taskExecutionArn of taskExecutionArns) {
    try {
      await target.clients.dataSync.send(new CancelTaskExecutionCommand({ TaskExecutionArn: taskExecutionArn }));
      stopped.push(`DataSync task execution ${taskExecutionArn.split('/').pop()}`);
    } catch (error) {
      const explained = explainAwsError(error, 'CancelTaskExecution');
      if (explained) throw explained;
      // InvalidRequestException: the execution had already ended.
      if ((error as Error).name !== 'InvalidRequestException') {
        notStopped.push(`DataSync task execution ${taskExecutionArn}: `
        + `${(error as Error).message}`);
      }
    }
  }
  const runDirectory = input.runId ?? described.name!;
  notStopped.push(`the run's files on EFS (runs/${runDirectory}/ and its staged input) were not removed: EFS is reachable only from inside the VPC;`
    + ' a stopped run does not clean up, so remove them from a function or instance that mounts the file system');
  return { run: described.name!, status: described.status!, stopped, notStopped, upload };
}

export const cancelCommand: Command = {
  name: 'cancel',
  summary: 'stop a run and the Batch job and DataSync transfers it started; the upload is kept',
  async run(args, output) {
    const command = parseRunCommandLine('cancel', args, {}, USAGE, output);
    if (!command) return EXIT.ok;
    const runId = command.runId;
    const target = await resolveTarget(command);
    const cancellation = await cancelRun(target, runId);
    if (command.json) {
      output.print(JSON.stringify(cancellation, undefined, 2));
    } else if (cancellation.status !== 'RUNNING') {
      output.print(`run ${cancellation.run} had already ended (${cancellation.status}): nothing to cancel`);
    } else {
      output.print(`cancelled run ${cancellation.run}:`);
      for (const line of cancellation.stopped) output.print(`  stopped ${line}`);
      for (const line of cancellation.notStopped) output.print(`  not stopped: ${line}`);
      if (cancellation.upload) {
        output.print(`  kept the upload ${cancellation.upload}; run it again with \`${commandHint(`rerun ${cancellation.run}`, command.targetArgs)}\``);
      }
    }
    return EXIT.ok;
  },
};
