import { ExecutionStatus, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { isRunOf, originalRunIdOf, RunInput, rerunIdFor } from '@batch-pipeline/run-contract';
import { CliError, EXIT } from '../cli-error';
import { Command } from '../command';
import { parseRunCommandLine, TARGET_USAGE } from '../command-line';
import { commandHint } from '../output/command-hint';
import { describeRun, executionArnOf, listExecutions } from '../runs/executions';
import { call, PipelineTarget, resolveTarget } from '../target/pipeline-target';
import { reportPrefixOf } from '../target/run-locations';

const USAGE = `Usage: batch-pipeline rerun <run> <target>

Runs the same object version again (nothing is uploaded). Refused while a run of that object
version is running. The re-run's execution name and run id are <run id>-r<n> (n = 1, 2, ...,
the first free one; the readable part of a long run id is shortened to stay within 80
characters), so its reports land under their own prefix (<reports prefix>runs/<run id>-r<n>/out/)
and the reports of an earlier, succeeded run stay as they are.
${TARGET_USAGE}`;

/** What `rerun` started. */
export interface Rerun {
  readonly run: string;
  readonly of: string;
  readonly executionArn: string;
  readonly reports?: string;
}

/** The first re-run id that is free: StartExecution with -r1, -r2, ... until one is not taken. */
export async function rerun(target: PipelineTarget, runId: string): Promise<Rerun> {
  const described = await describeRun(target, runId);
  const input = JSON.parse(described.input ?? '{}') as RunInput;
  const original = originalRunIdOf(input.runId ?? described.name!);
  for await (const page of listExecutions(target, { status: 'RUNNING' as ExecutionStatus })) {
    const active = page.find((execution) => isRunOf(execution.name ?? '', original));
    if (active) {
      throw new CliError(`${active.name} of the same object version is still running`,
        `wait for it (\`${commandHint(`follow ${active.name}`, target.targetArgs)}\`) or cancel it `
          + `(\`${commandHint(`cancel ${active.name}`, target.targetArgs)}\`), then re-run`);
    }
  }
  for (let n = 1; ; n++) {
    const name = rerunIdFor(original, n);
    try {
      await target.clients.stepFunctions.send(new StartExecutionCommand({
        stateMachineArn: target.stateMachineArn, name, input: JSON.stringify({ ...input, runId: name }),
      }));
      return {
        run: name,
        of: described.name!,
        executionArn: executionArnOf(target.stateMachineArn, name),
        ...(target.reports ? { reports: `s3://${target.reports.bucket}/${reportPrefixOf(target.reports, name)}` } : {}),
      };
    } catch (error) {
      if ((error as Error).name !== 'ExecutionAlreadyExists') await call('StartExecution', () => Promise.reject(error));
    }
  }
}

export const rerunCommand: Command = {
  name: 'rerun',
  summary: 'run the same object version again as <run>-r<n> (refused while a run of it is active)',
  async run(args, output) {
    const command = parseRunCommandLine('rerun', args, {}, USAGE, output);
    if (!command) return EXIT.ok;
    const runId = command.runId;
    const target = await resolveTarget(command);
    const started = await rerun(target, runId);
    if (command.json) {
      output.print(JSON.stringify(started, undefined, 2));
    } else {
      output.print(`started ${started.run} (a re-run of ${started.of})`);
      if (started.reports) output.print(`  reports will be under ${started.reports}`);
      output.print(`  follow it: ${commandHint(`follow ${started.run}`, command.targetArgs)}`);
    }
    return EXIT.ok;
  },
};
