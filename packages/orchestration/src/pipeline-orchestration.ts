import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Construct } from 'constructs';
import { PipelineStateMachine, PipelineStateMachineOptions, PipelineStateMachineProps } from './pipeline-state-machine';
import { PipelineTrigger } from './pipeline-trigger';
import { ZeroByteObjects } from './trigger/upload-filter';

/**
 * The options of the trigger and the state machine that a composite (such as `BatchPipeline`)
 * passes through as they are: everything but the parts it wires.
 */
export interface PipelineOrchestrationOptions extends PipelineStateMachineOptions {
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
   * Whether an upload under the watched prefix that starts no run (empty, suffix not watched, a key
   * EFS cannot hold) is published to the notification topic, naming the key and the reason.
   *
   * @default true
   */
  readonly notifyRefusedUploads?: boolean;

  /**
   * Reserved concurrency of the trigger function.
   *
   * @default - no reservation
   */
  readonly reservedConcurrency?: number;
}

export interface PipelineOrchestrationProps extends PipelineStateMachineProps, PipelineOrchestrationOptions {}

/**
 * The trigger and the state machine, wired so that they cannot disagree:
 * the trigger watches exactly the bucket and prefix that stage-in reads.
 * Validation errors of either part name this construct.
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
    // Errors of both parts name this construct: their props are this construct's props.
    const errors = ConstructErrors.of(this, 'PipelineOrchestration');
    errors.tellPart(this, 'Workflow', '');
    errors.tellPart(this, 'Trigger', '', { prefix: 'uploadPrefix' });
    this.stateMachine = new PipelineStateMachine(this, 'Workflow', props);
    this.trigger = new PipelineTrigger(this, 'Trigger', {
      uploadBucket: this.stateMachine.uploadBucket,
      stateMachine: this.stateMachine.stateMachine,
      prefix: this.stateMachine.uploadPrefix,
      suffixes: props.suffixes,
      zeroByteObjects: props.zeroByteObjects,
      notifyRefusedUploads: props.notifyRefusedUploads,
      reservedConcurrency: props.reservedConcurrency,
      logRetention: props.logRetention,
      alarmTopic: props.alarmTopic,
    });
  }
}
