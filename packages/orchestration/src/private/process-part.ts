import { IBatchProcessor } from '@batch-pipeline/batch';
import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { FailurePath } from './failure-path';
import { taskEvents } from './history-budget';
import { processJobState } from './process-job';
import { RunPart } from './run-part';
import { PipelineStep } from '../pipeline-step';

/** Process: the Batch job, followed to its end (`.sync`), within `timeout`. */
export function processPart(scope: Construct, who: string, processor: IBatchProcessor, timeout: Duration, failure: FailurePath): RunPart {
  const job = processJobState(scope, who, processor, timeout);
  job.addCatch(failure.failedAt(PipelineStep.PROCESS), { resultPath: '$.error' });
  return {
    startState: job,
    history: { step: 'process', events: taskEvents(0, { sync: true }), remedy: 'it is fixed' },
    continueWith: (next) => job.next(next),
  };
}
