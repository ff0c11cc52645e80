/**
 * Orchestration benchmark: runs the synthesized state machine on a simulated
 * clock (stage in 60 s, job 120 s, stage out 60 s) for the same scenarios as
 * the tests, and prints per scenario the simulated end-to-end seconds, the
 * orchestration overhead (end to end minus service time) and the state
 * transitions Step Functions would bill.
 *
 *   npx projen benchmark        (in packages/orchestration)
 *
 * For reference, the original system's definition waits a fixed 300 s between
 * DataSync polls (480 s of overhead on this path) and loops forever on ERROR.
 */
import { runPipeline } from '../test/local-run/run-pipeline';
import { Scenario } from '../test/local-run/simulated-aws';
import { synthesizedDefinition } from '../test/local-run/synthesized-definition';
import { WATCH_PREFIX, pipelineStateMachine } from '../test/pipeline-fixture';

const happy: Scenario = {
  stageIn: { seconds: 60, outcome: 'SUCCESS' },
  job: { seconds: 120, outcome: 'SUCCEEDED' },
  stageOut: { seconds: 60, outcome: 'SUCCESS' },
};

/** Service time of a scenario: what the services themselves take until the run ends. */
interface BenchmarkScenario {
  readonly name: string;
  readonly scenario: Scenario;
  readonly serviceSeconds: number;
}

const scenarios: BenchmarkScenario[] = [
  { name: 'success', scenario: happy, serviceSeconds: 240 },
  {
    // Stages just past a poll: the worst case of a fixed poll interval, up to one interval per stage.
    name: 'success, stages of 61 s',
    scenario: { ...happy, stageIn: { seconds: 61, outcome: 'SUCCESS' }, stageOut: { seconds: 61, outcome: 'SUCCESS' } },
    serviceSeconds: 242,
  },
  { name: 'stage-in ERROR at 60 s', scenario: { ...happy, stageIn: { seconds: 60, outcome: 'ERROR' } }, serviceSeconds: 60 },
  { name: 'stage-out ERROR at 60 s', scenario: { ...happy, stageOut: { seconds: 60, outcome: 'ERROR' } }, serviceSeconds: 240 },
  { name: 'Batch job FAILED at 120 s', scenario: { ...happy, job: { seconds: 120, outcome: 'FAILED' } }, serviceSeconds: 180 },
  { name: 'stage-in never ends (1 h timeout)', scenario: { ...happy, stageIn: { seconds: 0, outcome: 'NEVER' } }, serviceSeconds: 3600 },
  { name: 'start throttled twice', scenario: { ...happy, stageIn: { ...happy.stageIn, throttledStarts: 2 } }, serviceSeconds: 240 },
];

/** The happy-path targets of the orchestration issue. */
const TARGETS = { overheadSeconds: 20, transitions: 40 };

async function main(): Promise<void> {
  const { template } = pipelineStateMachine();
  const definition = synthesizedDefinition(template);
  const rows: string[][] = [['scenario', 'result', 'end-to-end s', 'overhead s', 'transitions', 'notifications']];
  let happyPath: { overhead: number; transitions: number } | undefined;
  const print = console.log;
  // The workspace handler logs one JSON line per call, as it does in Lambda; keep the table readable.
  console.log = () => undefined;
  for (const { name, scenario, serviceSeconds } of scenarios) {
    const outcome = await runPipeline(definition, scenario, { uploadPrefix: WATCH_PREFIX, reportPrefix: 'reports/', jobMountPath: '/mnt/pipeline' });
    const overhead = outcome.simulatedSeconds - serviceSeconds;
    rows.push([name, outcome.status, outcome.simulatedSeconds.toFixed(1), overhead.toFixed(1), String(outcome.transitions), String(outcome.aws.notifications.length)]);
    if (name === 'success') {
      happyPath = { overhead, transitions: outcome.transitions };
    }
    outcome.aws.dispose();
  }
  console.log = print;
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const [index, row] of rows.entries()) {
    console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`);
    if (index === 0) {
      console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
    }
  }
  const pollInterval = definition.States['Stage in: wait'].Seconds;
  console.log(`\nPoll interval ${pollInterval} s; API call ${0.2} s and Lambda call ${0.5} s of simulated latency; retry pauses at their upper bound.`);
  console.log(`Happy path: overhead ${happyPath!.overhead.toFixed(1)} s (target <= ${TARGETS.overheadSeconds}), ${happyPath!.transitions} transitions (target <= ${TARGETS.transitions}).`);
  console.log('Original system on the same path: +480 s overhead (fixed 300 s waits); never ends on DataSync ERROR.');
  if (happyPath!.overhead > TARGETS.overheadSeconds || happyPath!.transitions > TARGETS.transitions) {
    process.exitCode = 1;
  }
}

void main();
