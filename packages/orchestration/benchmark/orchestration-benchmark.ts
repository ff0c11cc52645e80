/**
 * Orchestration benchmark: runs the synthesized state machine with
 * aws-local-stepfunctions against a model of the services it calls (see
 * service-model.ts, printed with the output), many executions on one virtual
 * clock, and prints one table per group:
 *
 * - single runs: state transitions, orchestration overhead and execution history
 *   events of a small upload (AUTO, direct path), of 30-minute DataSync transfers
 *   (DATASYNC) and of a 12-hour transfer with a 24-hour stage-in timeout;
 * - bursts: 100 and 1,000 uploads of 1 MiB within one minute, AUTO next to
 *   DATASYNC: runs succeeded and failed, and the time until the last report.
 *
 *   npx projen benchmark        (in packages/orchestration)
 *
 * The direct copies are modelled (size / rate + the Lambda call); the workspace
 * function's real handler is tested in test/workspace. The process exits with 1
 * when a target is missed.
 */
import { Duration } from 'aws-cdk-lib';
import { ModelJob, ModelRunOutcome, modelDefinition, ModelDefinition, runOnModel } from './model-run';
import { bytesForDataSyncSeconds, describeServiceModel, SERVICE_MODEL } from './service-model';
import { SharedServices } from './shared-services';
import { VirtualClock } from './virtual-clock';
import { PipelineStateMachineProps, StagingStrategy } from '../src';
import { runIdFor, transferSlotFor } from '../src/trigger/run-id';
import { RunInput } from '../src/trigger/run-input';
import { synthesizedDefinition } from '../test/local-run/synthesized-definition';
import { WATCH_PREFIX, pipelineStateMachine } from '../test/pipeline-fixture';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

const TARGETS = {
  smallUploadTransitions: 12,
  smallUploadOverheadSeconds: 5,
  dataSyncTransitions: 120,
  longTransferHistoryEvents: 5_000,
};

interface Configuration {
  readonly definition: ModelDefinition;
  readonly batchSlots: number;
  readonly maxvCpus: number;
  readonly vcpu: number;
}

/** Synthesizes the test fixture's pipeline with `props` and prepares its definition for the model. */
function configuration(props: Partial<PipelineStateMachineProps>): Configuration {
  const { template, processor } = pipelineStateMachine(props);
  const jobDefinition = Object.values(template.findResources('AWS::Batch::JobDefinition'))[0];
  const vcpu = Number(jobDefinition.Properties.ContainerProperties.ResourceRequirements.find((requirement: { Type: string }) => requirement.Type === 'VCPU').Value);
  return { definition: modelDefinition(synthesizedDefinition(template)), batchSlots: Math.floor(processor.maxvCpus / vcpu), maxvCpus: processor.maxvCpus, vcpu };
}

function uploadInput(name: string, size: number): RunInput {
  const bucket = 'uploads';
  const key = `${WATCH_PREFIX}${name}`;
  const runId = runIdFor({ bucket, key, versionId: 'v1' });
  const relativeKey = key.slice(WATCH_PREFIX.length);
  return { runId, bucket, key, versionId: 'v1', size, relativeKey, fileName: relativeKey.split('/').pop()!, transferSlot: transferSlotFor(runId) };
}

/** An upload that arrives at `at` (virtual seconds) and becomes an execution once the trigger has started it. */
interface Upload {
  readonly at: number;
  readonly input: RunInput;
  readonly job: ModelJob;
}

interface Simulation {
  readonly outcomes: ModelRunOutcome[];
  readonly services: SharedServices;
  readonly wallSeconds: number;
}

async function simulate(config: Configuration, uploads: Upload[], trigger: number): Promise<Simulation> {
  const wallStart = performance.now();
  const clock = new VirtualClock();
  const services = new SharedServices(clock, config.batchSlots);
  const runs: Array<Promise<ModelRunOutcome>> = [];
  for (const upload of uploads) {
    clock.at(upload.at + trigger, () => {
      runs.push(clock.spawn((process) => runOnModel(config.definition, services, upload.input, upload.job, process)));
    });
  }
  await clock.run();
  return { outcomes: await Promise.all(runs), services, wallSeconds: (performance.now() - wallStart) / 1000 };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row, index) => {
    const line = `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
    return index === 0 ? `${line}\n|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|` : line;
  }).join('\n');
}

/** Virtual seconds as h:mm:ss, with the seconds figure for short ones. */
function duration(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 600) {
    return `${seconds.toFixed(1)} s`;
  }
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

function size(bytes: number): string {
  if (bytes >= GIB) {
    return bytes >= 1024 * GIB ? `${(bytes / 1024 / GIB).toFixed(1)} TiB` : `${(bytes / GIB).toFixed(0)} GiB`;
  }
  return bytes >= MIB ? `${(bytes / MIB).toFixed(0)} MiB` : `${(bytes / KIB).toFixed(0)} KiB`;
}

const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');

async function main(): Promise<void> {
  const wallStart = performance.now();
  const job = (outputBytes: number): ModelJob => ({ runSeconds: SERVICE_MODEL.jobRunSeconds, outputBytes });
  const auto = configuration({});
  const dataSync = configuration({ staging: StagingStrategy.DATASYNC });
  const longStageIn = configuration({ stageInTimeout: Duration.hours(24) });
  const targetLines: string[] = [];
  let missed = false;
  const target = (text: string, ok: boolean) => {
    targetLines.push(`- ${text}: ${met(ok)}`);
    missed ||= !ok;
  };

  // Single runs: each alone on its own clock, from the execution's start.
  const halfHour = bytesForDataSyncSeconds(30 * 60);
  const twelveHours = bytesForDataSyncSeconds(12 * 3600);
  const singles: Array<{ name: string; strategy: string; config: Configuration; upload: Upload }> = [
    { name: 'one 1 KiB upload', strategy: 'AUTO', config: auto, upload: { at: 0, input: uploadInput('2026/scan.csv', KIB), job: job(SERVICE_MODEL.reportBytes) } },
    {
      name: `30-min DataSync execution each way (${size(halfHour)} in and out)`,
      strategy: 'DATASYNC',
      config: dataSync,
      upload: { at: 0, input: uploadInput('2026/half-hour.bin', halfHour), job: job(halfHour) },
    },
    {
      name: `12-hour stage-in (${size(twelveHours)}), stageInTimeout 24 h`,
      strategy: 'AUTO',
      config: longStageIn,
      upload: { at: 0, input: uploadInput('2026/twelve-hours.bin', twelveHours), job: job(SERVICE_MODEL.reportBytes) },
    },
  ];
  const singleRows = [['scenario', 'staging', 'path in/out', 'result', 'end-to-end', 'service time', 'overhead', 'transitions', 'history events']];
  const singleResults: ModelRunOutcome[] = [];
  for (const single of singles) {
    const { outcomes: [outcome] } = await simulate(single.config, [single.upload], 0);
    singleResults.push(outcome);
    const endToEnd = outcome.endedAt - outcome.startedAt;
    singleRows.push([
      single.name, single.strategy, `${outcome.stagedIn ?? '-'}/${outcome.stagedOut ?? '-'}`, outcome.status,
      duration(endToEnd), duration(outcome.serviceSeconds), `${(endToEnd - outcome.serviceSeconds).toFixed(1)} s`,
      String(outcome.transitions), String(outcome.historyEvents),
    ]);
  }
  const [small, halfHourRun, twelveHourRun] = singleResults;
  const smallOverhead = small.endedAt - small.startedAt - small.serviceSeconds;
  target(`1 KiB upload (AUTO): ${small.transitions} transitions (target <= ${TARGETS.smallUploadTransitions})`, small.status === 'SUCCEEDED' && small.transitions <= TARGETS.smallUploadTransitions);
  target(`1 KiB upload (AUTO): ${smallOverhead.toFixed(1)} s overhead beyond the job (target <= ${TARGETS.smallUploadOverheadSeconds} s)`, small.status === 'SUCCEEDED' && smallOverhead <= TARGETS.smallUploadOverheadSeconds);
  target(`30-min DataSync each way (DATASYNC): ${halfHourRun.transitions} transitions (target <= ${TARGETS.dataSyncTransitions})`, halfHourRun.status === 'SUCCEEDED' && halfHourRun.transitions <= TARGETS.dataSyncTransitions);
  target(`12-hour stage-in: ${twelveHourRun.status}, ${twelveHourRun.historyEvents} history events (target SUCCEEDED, <= ${TARGETS.longTransferHistoryEvents.toLocaleString('en-US')})`,
    twelveHourRun.status === 'SUCCEEDED' && twelveHourRun.historyEvents <= TARGETS.longTransferHistoryEvents);

  // Bursts: uploads of 1 MiB spread evenly over one minute, all executions on one clock.
  const burstRows = [['uploads', 'staging', 'succeeded', 'failed', 'last report', 'last run ended', 'transitions per run (max)', 'history events (max)', 'DataSync queue (max)', 'Batch wait (max)', 'wall s']];
  const burstNotes: string[] = [];
  for (const count of [100, 1000]) {
    for (const [strategy, config] of [['AUTO', auto], ['DATASYNC', dataSync]] as const) {
      const uploads = Array.from({ length: count }, (_, index): Upload => ({
        at: (index * 60) / count,
        input: uploadInput(`burst/upload-${String(index).padStart(4, '0')}.csv`, MIB),
        job: job(SERVICE_MODEL.reportBytes),
      }));
      const { outcomes, services, wallSeconds } = await simulate(config, uploads, SERVICE_MODEL.triggerSeconds);
      const succeeded = outcomes.filter((outcome) => outcome.status === 'SUCCEEDED');
      const failed = outcomes.filter((outcome) => outcome.status !== 'SUCCEEDED');
      const byStep = new Map<string, number>();
      for (const outcome of failed) {
        const step = outcome.status === 'TIMED_OUT' ? 'run timed out' : `at ${outcome.failedStep ?? '?'}, ${outcome.error}`;
        byStep.set(step, (byStep.get(step) ?? 0) + 1);
      }
      const lastReport = Math.max(...succeeded.map((outcome) => outcome.reportAt ?? 0));
      const lastEnd = Math.max(...outcomes.map((outcome) => outcome.endedAt));
      const transitions = outcomes.map((outcome) => outcome.transitions);
      burstRows.push([
        count.toLocaleString('en-US'), strategy, String(succeeded.length),
        failed.length === 0 ? '0' : `${failed.length} (${[...byStep].map(([step, n]) => `${n} ${step}`).join(', ')})`,
        succeeded.length > 0 ? duration(lastReport) : '-', duration(lastEnd),
        `${(transitions.reduce((a, b) => a + b, 0) / transitions.length).toFixed(1)} (${Math.max(...transitions)})`,
        String(Math.max(...outcomes.map((outcome) => outcome.historyEvents))),
        String(Math.max(services.stageInTask.longestQueue, services.stageOutTask.longestQueue)),
        duration(services.batch.longestWaitSeconds), wallSeconds.toFixed(1),
      ]);
      burstNotes.push(`${count} ${strategy}: workspace function at most ${services.workspace.peakConcurrency} invocations at once`);
      if (strategy === 'AUTO') {
        target(`${count.toLocaleString('en-US')} uploads in a minute (AUTO): ${failed.length} failed (target 0)`, failed.length === 0);
      }
    }
  }

  console.log('Single runs (each alone; from the execution start; service time = DataSync executions once started + Batch job start and run; overhead = the rest)\n');
  console.log(table(singleRows));
  console.log(`\nBursts (1 MiB uploads, evenly within one minute; times from the first upload; report = the run's report object landed)\n`);
  console.log(table(burstRows));
  console.log(`\n${burstNotes.join('; ')}.`);
  // Direct staging takes DataSync out of the way; then Batch capacity bounds a burst: a job may wait in the
  // queue only as long as the process step's timeout allows, so the queue holds slots x (timeout / job time) jobs.
  const jobSlotSeconds = SERVICE_MODEL.fargateStartSeconds + SERVICE_MODEL.jobRunSeconds;
  const processTimeout = auto.definition.states.Process.TimeoutSeconds;
  console.log(`With AUTO, Batch bounds a burst: ${auto.batchSlots} jobs at once x ${jobSlotSeconds} s each within the ${processTimeout} s process timeout `
    + `is about ${(auto.batchSlots * Math.floor(processTimeout / jobSlotSeconds)).toLocaleString('en-US')} uploads; later ones fail at process (States.Timeout).`);
  console.log(`\n${describeServiceModel({ maxvCpus: auto.maxvCpus, vcpu: auto.vcpu })}`);
  console.log(`Definition: pollInterval ${auto.definition.states['Stage in: start'].ResultSelector.wait} s doubling to ${auto.definition.states['Stage in: count poll (at cap)'].Parameters.wait} s, `
    + `stage timeouts 1 h (24 h where stated), process timeout ${auto.definition.states.Process.TimeoutSeconds} s, run timeout ${auto.definition.runTimeoutSeconds} s; history events counted with src/private/history-budget.ts.`);
  console.log(`\nTargets:\n${targetLines.join('\n')}`);
  console.log(`\nWall time ${((performance.now() - wallStart) / 1000).toFixed(1)} s (synthesis of three stacks included).`);
  if (missed) {
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
