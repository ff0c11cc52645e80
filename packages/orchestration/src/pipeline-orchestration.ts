import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PipelineStateMachine, PipelineStateMachineProps } from './pipeline-state-machine';
import { PipelineTrigger } from './pipeline-trigger';
import { ZeroByteObjects } from './trigger/upload-filter';

export interface PipelineOrchestrationProps extends PipelineStateMachineProps {
  /**
   * Only keys ending in one of these start a run, for example `['.csv']`.
   *
   * @default - every suffix
   */
  readonly suffixes?: string[];

  /**
   * Whether an empty object starts a run.
   *
   * @default ZeroByteObjects.SKIP
   */
  readonly zeroByteObjects?: ZeroByteObjects;

  /**
   * Reserved concurrency of the trigger function.
   *
   * @default - no reservation
   */
  readonly reservedConcurrency?: number;
}

/**
 * The trigger and the state machine, wired so that they cannot disagree:
 * the trigger watches exactly the bucket and prefix that stage-in reads.
 *
 * @example
 * new PipelineOrchestration(this, 'Orchestration', {
 *   stageIn, processor, stageOut, accessPoint, network, suffixes: ['.csv'],
 * });
 */
export class PipelineOrchestration extends Construct {
  public readonly stateMachine: PipelineStateMachine;
  public readonly trigger: PipelineTrigger;

  constructor(scope: Construct, id: string, props: PipelineOrchestrationProps) {
    super(scope, id);
    this.stateMachine = new PipelineStateMachine(this, 'Workflow', props);
    const subdirectory = props.stageIn.sourceLocation.subdirectory;
    if (Token.isUnresolved(subdirectory)) {
      throw new Error(`PipelineOrchestration '${id}': the stage-in prefix is an unresolved token; allowed: a plain prefix such as 'incoming/', which the trigger must know at synth time`);
    }
    this.trigger = new PipelineTrigger(this, 'Trigger', {
      uploadBucket: props.stageIn.sourceLocation.bucket,
      stateMachine: this.stateMachine.stateMachine,
      // Stage-in's S3 subdirectory is '/incoming/' (or '/'); the trigger's prefix is its key form.
      prefix: subdirectory.slice(1),
      suffixes: props.suffixes,
      zeroByteObjects: props.zeroByteObjects,
      reservedConcurrency: props.reservedConcurrency,
      logRetention: props.logRetention,
      alarmTopic: props.alarmTopic,
    });
  }
}
