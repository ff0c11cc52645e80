import { StageInTransfer } from '@batch-pipeline/datasync';
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { flowEvents, HistoryPart } from './history-budget';
import { PollSchedule } from './poll-schedule';
import { TransferStage } from './transfer-stage';
import { WORKSPACE_CALL_EVENTS, WorkspaceCalls } from './workspace-call';

/**
 * How many times a run stages its upload through DataSync before it gives up on a staged file
 * that is not its version: the first stage and two more. Two runs of one key share the staged
 * path; a run whose claim finds the other's version stages again, behind the other run's copy.
 */
export const MAX_STAGE_IN_ATTEMPTS = 3;

/** The workspace errors that mean the staged file is not (or no longer) this run's: the stage is tried again. */
export const RESTAGE_ERRORS = ['StagedFileMismatch', 'StagedFileMissing'];

export interface DataSyncStageInProps {
  /** How the state machine names itself in errors. */
  readonly who: string;
  readonly stageIn: StageInTransfer;
  /** The task, or the tasks of a pool. */
  readonly taskArns: string[];
  readonly workspace: WorkspaceCalls;
  readonly schedule: PollSchedule;
  /** How long one stage (one DataSync execution) may take, queueing included. */
  readonly timeout: Duration;
  readonly callTimeout: Duration;
  /** How long the claim (a checksum over the staged file) may take. */
  readonly claimTimeout: Duration;
  /** Where a failed stage goes ('stage in'). */
  readonly onStageFailure: sfn.IChainable;
  /** Where a failed claim goes for another reason ('prepare'). */
  readonly onPrepareFailure: sfn.IChainable;
}

/**
 * Stage in through DataSync, exactly the version that started the run:
 *
 * Prepare staging (create the staging directory, write the run's manifest naming the object and
 * its version) -> DataSync execution with that manifest -> Prepare (claim: the staged file must
 * have the version's size and checksum; it moves into the run's own directory) -> what
 * `continueWith` names (the job).
 *
 * A claim that finds another version's file (`StagedFileMismatch`) or none (`StagedFileMissing`,
 * another run of the key took it) stages again, at most `MAX_STAGE_IN_ATTEMPTS` times in all; then
 * the run fails with the claim's error, which names what was expected and what was found.
 */
export class DataSyncStageIn extends Construct {
  public readonly startState: sfn.State;
  /** Status checks after which one stage gives up. */
  public readonly maxPolls: number;
  private readonly transferPart: HistoryPart;
  private readonly claim: sfn.INextable;

  constructor(scope: Construct, id: string, props: DataSyncStageInProps) {
    super(scope, id);
    // Checked at synth (after the history budget, which names the usual remedy for a long stage-in).
    this.node.addValidation({
      validate: () => {
        const retention = props.stageIn.manifestRetention;
        return !retention.isUnresolved() && props.timeout.toSeconds() * MAX_STAGE_IN_ATTEMPTS >= retention.toSeconds()
          ? [`${props.who}: 'stageInTimeout' ${props.timeout.toHumanString()} x ${MAX_STAGE_IN_ATTEMPTS} stages outlasts the manifests, which `
            + `${props.stageIn.node.path} keeps for ${retention.toHumanString()}; `
            + 'allowed: a shorter \'stageInTimeout\', or a longer \'manifestRetention\' on the stage-in']
          : [];
      },
    });
    const manifestKey = sfn.JsonPath.format(`${props.stageIn.manifestPrefix}{}.csv`, sfn.JsonPath.stringAt('$.runId'));
    const workspace = props.workspace;

    const claim = workspace.call('Prepare', {
      payload: {
        action: 'prepare',
        fileName: sfn.JsonPath.stringAt('$.fileName'),
        expected: {
          bucket: sfn.JsonPath.stringAt('$.bucket'),
          key: sfn.JsonPath.stringAt('$.key'),
          versionId: sfn.JsonPath.stringAt('$.versionId'),
          size: sfn.JsonPath.numberAt('$.size'),
        },
      },
      resultSelector: { 'inputPath.$': '$.Payload.inputPath', 'outputDirectory.$': '$.Payload.outputDirectory', 'check.$': '$.Payload.check' },
      resultPath: '$.workspace',
      timeout: props.claimTimeout,
    });
    this.claim = claim;

    const prepareStaging = workspace.call('Prepare staging', {
      payload: {
        action: 'prepare-staging',
        stagingDirectory: props.stageIn.destinationLocation.subdirectory,
        manifest: {
          bucket: props.stageIn.manifestBucket.bucketName,
          key: manifestKey,
          relativeKey: sfn.JsonPath.stringAt('$.relativeKey'),
          versionId: sfn.JsonPath.stringAt('$.versionId'),
        },
      },
      resultSelector: { 'manifestKey.$': '$.Payload.manifestKey' },
      resultPath: sfn.JsonPath.DISCARD,
      timeout: props.callTimeout,
    });
    prepareStaging.addCatch(props.onStageFailure, { resultPath: '$.error' });

    const transfer = new TransferStage(this, 'Transfer', {
      stepName: 'Stage in',
      statePath: '$.stageIn',
      taskArns: props.taskArns,
      manifestConfig: props.stageIn.manifestConfig(manifestKey),
      schedule: props.schedule,
      timeout: props.timeout,
      timeoutProp: 'stageInTimeout',
      onFailure: props.onStageFailure,
    });
    transfer.continueWith(claim);
    this.maxPolls = transfer.maxPolls;
    this.transferPart = transfer.historyPart();
    prepareStaging.next(transfer.startState);

    // The attempt number lives at $.stageInAttempt.count (a Pass writes objects, not bare numbers).
    const first = new sfn.Pass(scope, 'Stage in: first attempt', { result: sfn.Result.fromObject({ count: 1 }), resultPath: '$.stageInAttempt' });
    const again = new sfn.Pass(scope, 'Stage in: count attempt', {
      parameters: { 'count.$': 'States.MathAdd($.stageInAttempt.count, 1)' },
      resultPath: '$.stageInAttempt',
    });
    const retry = new sfn.Choice(scope, 'Stage in: stage again?')
      .when(sfn.Condition.numberLessThan('$.stageInAttempt.count', MAX_STAGE_IN_ATTEMPTS), again.next(prepareStaging))
      .otherwise(props.onStageFailure);
    claim.addCatch(retry, { errors: RESTAGE_ERRORS, resultPath: '$.error' });
    claim.addCatch(props.onPrepareFailure, { resultPath: '$.error' });
    first.next(prepareStaging);
    this.startState = first;
  }

  /** Continues the run into `next` once the claim found this run's version and moved it into the run's directory. */
  public continueWith(next: sfn.IChainable): void {
    this.claim.next(next);
  }

  /** Every attempt (`MAX_STAGE_IN_ATTEMPTS`): the manifest write, the whole DataSync stage at its worst, the claim and the retry states. */
  public historyPart(): HistoryPart {
    const attempt = 2 * WORKSPACE_CALL_EVENTS + this.transferPart.events + flowEvents(2);
    return { ...this.transferPart, events: flowEvents() + MAX_STAGE_IN_ATTEMPTS * attempt };
  }
}
