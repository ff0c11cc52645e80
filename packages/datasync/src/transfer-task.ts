import { NagAcknowledgements } from '@batch-pipeline/network';
import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { Duration, Fn, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as datasync from 'aws-cdk-lib/aws-datasync';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { DataSyncLogPolicy } from './datasync-log-policy';
import { ITransferLocation, LocationAccess } from './location';
import { acknowledgeExecutionWildcard } from './private/acknowledge-grantee';
import { SUBDIRECTORY_ALLOWED, normalizeSubdirectory } from './private/paths';
import { DATASYNC_SERVICE, createDataSyncRole } from './private/service-role';
import { poolTaskNames, validatePoolSize, validateTaskName } from './private/task-pool';
import {
  OverwriteMode,
  PreserveDeletedFiles,
  TaskLogLevel,
  TaskReportLevel,
  TaskReportOutputType,
  TransferMode,
  TransferOptions,
  VerifyMode,
} from './task-options';

const DEFAULT_REPORT_PREFIX = 'datasync-reports/';

/**
 * A DataSync task, or a pool of identical tasks between the same two locations,
 * whose executions someone starts and watches.
 */
export interface ITransferTask extends IConstruct {
  /** The ARN of the task; in a pool, of its first task (`taskArns[0]`). */
  readonly taskArn: string;

  /**
   * The ARNs of every task of the pool, in order (`taskArns[0]` is `taskArn`); one
   * ARN without a pool. A task runs one execution at a time, so whoever starts
   * executions picks one of these per run, the same one for all calls of that run
   * (start, describe, cancel), for example by its run id.
   */
  readonly taskArns: string[];

  /**
   * Lets `grantee` start executions of every task of the pool (with per-execution
   * filters) and describe them: `datasync:StartTaskExecution` on each task,
   * `datasync:DescribeTaskExecution` on each task's executions, and `iam:PassRole`
   * (to DataSync only) of the roles its locations pass when a task starts.
   */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant;

  /**
   * Lets `grantee` cancel executions of every task of the pool
   * (`datasync:CancelTaskExecution` on each task's executions only), so that whoever
   * gives up on an execution can free that task's one execution slot.
   */
  grantCancelExecution(grantee: iam.IGrantable): iam.Grant;

  /**
   * A metric of the task (in a pool, of its first task only) in the `AWS/DataSync`
   * namespace. Use `metricPool` to watch a whole pool.
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * A metric summed over every task of the pool: the first task's `metric` without a
   * pool, else the math expression `SUM(FILL([task1, ...], 0))` over each task's
   * metric, in which a task without executions in a period counts as 0.
   */
  metricPool(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.IMetric;
}

export interface TransferTaskProps extends TransferOptions {
  /** Where the task copies from. */
  readonly source: ITransferLocation;
  /** Where the task copies to; it must allow `READ_WRITE`. */
  readonly destination: ITransferLocation;
}

/**
 * A DataSync task between two locations, with safe options, a log group that
 * DataSync may write to (through the stack's one `DataSyncLogPolicy`), optional
 * task reports, and grants for whoever starts and cancels its executions.
 *
 * @example
 * declare const source: ITransferLocation;
 * declare const destination: ITransferLocation;
 * new TransferTask(this, 'Copy', { source, destination, bytesPerSecond: 50 * 1024 * 1024 });
 */
export class TransferTask extends Construct implements ITransferTask {
  public readonly taskArn: string;
  public readonly taskArns: string[];
  /** The task ID (`task-0123456789abcdef0`), the `TaskId` dimension of its metrics; in a pool, of its first task. */
  public readonly taskId: string;
  /** The task ID of every task of the pool, in the order of `taskArns`. */
  public readonly taskIds: string[];
  /** How many tasks the pool has (1 without a pool). */
  public readonly poolSize: number;
  /** Where the task copies from. */
  public readonly source: ITransferLocation;
  /** Where the task copies to. */
  public readonly destination: ITransferLocation;
  /** The log group of the task, unless logging is `OFF`. */
  public readonly logGroup?: logs.ILogGroup;
  /** The role DataSync assumes to write task reports, when reports are on. */
  public readonly taskReportRole?: iam.IRole;
  /** The stack's one DataSync log policy, which covers this task's log group, unless logging is `OFF`. */
  public readonly logPolicy?: DataSyncLogPolicy;

  constructor(scope: Construct, id: string, props: TransferTaskProps) {
    super(scope, id);
    const errors = ConstructErrors.of(this, 'TransferTask');
    this.source = props.source;
    this.destination = props.destination;
    if (props.destination.access !== LocationAccess.READ_WRITE) {
      throw errors.error(`${errors.prop('destination')} ${props.destination.node.path} has access ${props.destination.access}; allowed: `
        + 'a location with access READ_WRITE');
    }
    this.poolSize = validatePoolSize(errors, props.poolSize);
    validateTaskName(errors, props.taskName, this.poolSize);
    const bytesPerSecond = props.bytesPerSecond ?? -1;
    // DataSync's Options.BytesPerSecond: an integer of at least -1, where -1 is no limit (0 would stop the transfer).
    const limitValid = bytesPerSecond === -1 || (Number.isInteger(bytesPerSecond) && bytesPerSecond >= 1);
    if (!Token.isUnresolved(bytesPerSecond) && !limitValid) {
      throw errors.error(`${errors.prop('bytesPerSecond')} ${bytesPerSecond} is not valid; allowed: -1 (no limit) or a whole number of bytes per `
        + 'second of at least 1');
    }
    if (props.logGroup && (props.logRetention !== undefined || props.logEncryptionKey || props.logRemovalPolicy !== undefined)) {
      throw errors.error(`${errors.prop('logRetention')}, 'logEncryptionKey' and 'logRemovalPolicy' only apply to a new log group, `
        + "but 'logGroup' was given; set them on that log group");
    }
    const logLevel = props.logLevel ?? TaskLogLevel.BASIC;
    if (logLevel === TaskLogLevel.OFF) {
      const logOnly = (['logGroup', 'logRetention', 'logEncryptionKey', 'logRemovalPolicy'] as const).filter((name) => props[name] !== undefined);
      if (logOnly.length > 0) {
        throw errors.error(`${logOnly.map((name) => `'${name}'`).join(', ')} only apply when the task logs, but 'logLevel' is OFF; `
          + 'remove them or choose BASIC or TRANSFER');
      }
    } else {
      this.logGroup = this.createLogGroup(props);
      this.logPolicy = DataSyncLogPolicy.of(this);
      this.logPolicy.allowLogGroup(this.logGroup);
    }

    let taskReportConfig: datasync.CfnTask.TaskReportConfigProperty | undefined;
    if (props.taskReport) {
      const report = props.taskReport;
      const outputType = report.outputType ?? TaskReportOutputType.SUMMARY_ONLY;
      if (report.reportLevel !== undefined && outputType !== TaskReportOutputType.STANDARD) {
        throw errors.error(`${errors.prop('taskReport.reportLevel')} ${report.reportLevel} only applies to 'outputType' STANDARD, `
          + `got ${outputType}; remove it or choose STANDARD`);
      }
      const prefix = normalizeSubdirectory(report.prefix ?? DEFAULT_REPORT_PREFIX, () => errors.error(
        `${errors.prop('taskReport.prefix')} '${report.prefix}' is not valid; allowed: ${SUBDIRECTORY_ALLOWED}`,
      ));
      const objects = report.bucket.arnForObjects(Token.isUnresolved(prefix) ? `${prefix}*` : `${prefix.slice(1)}*`);
      const statements = [new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [objects] })];
      if (report.bucket.encryptionKey) {
        statements.push(new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [report.bucket.encryptionKey.keyArn],
        }));
      }
      const { role, policy } = createDataSyncRole(this, 'TaskReportRole', 'DataSync writes task reports under one S3 prefix', statements);
      NagAcknowledgements.acknowledgeWildcardResource(policy, objects,
        'DataSync names each report object after the execution it reports on; the wildcard covers only the report prefix of this bucket.');
      this.taskReportRole = role;
      taskReportConfig = {
        destination: { s3: { bucketAccessRoleArn: role.roleArn, s3BucketArn: report.bucket.bucketArn, subdirectory: prefix } },
        outputType,
        reportLevel: outputType === TaskReportOutputType.STANDARD ? report.reportLevel ?? TaskReportLevel.ERRORS_ONLY : undefined,
      };
    }

    const copyPosix = props.copyPosixMetadata ?? false;
    const options: datasync.CfnTask.OptionsProperty = {
      transferMode: props.transferMode ?? TransferMode.CHANGED,
      verifyMode: props.verifyMode ?? VerifyMode.ONLY_FILES_TRANSFERRED,
      overwriteMode: props.overwriteMode ?? OverwriteMode.ALWAYS,
      preserveDeletedFiles: props.preserveDeletedFiles ?? PreserveDeletedFiles.PRESERVE,
      bytesPerSecond,
      logLevel,
      uid: copyPosix ? 'INT_VALUE' : 'NONE',
      gid: copyPosix ? 'INT_VALUE' : 'NONE',
      posixPermissions: copyPosix ? 'PRESERVE' : 'NONE',
    };
    // The first task keeps the id 'Resource' (and so its logical id) whatever the pool
    // size: growing or shrinking a pool never replaces it.
    const tasks = poolTaskNames(props.taskName, this.poolSize).map((name, index) => {
      const task = new datasync.CfnTask(this, index === 0 ? 'Resource' : `Pool${index + 1}`, {
        name,
        sourceLocationArn: props.source.locationArn,
        destinationLocationArn: props.destination.locationArn,
        cloudWatchLogGroupArn: this.logGroup?.logGroupArn,
        options,
        taskReportConfig,
      });
      if (this.logPolicy) {
        // DataSync writes its first log lines as soon as an execution starts.
        task.node.addDependency(this.logPolicy.resourcePolicy);
      }
      return task;
    });
    this.taskArns = tasks.map((task) => task.attrTaskArn);
    this.taskIds = this.taskArns.map((taskArn) => Fn.select(1, Fn.split('/', taskArn)));
    this.taskArn = this.taskArns[0];
    this.taskId = this.taskIds[0];
  }

  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    const executions = this.executionArnPatterns();
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['datasync:StartTaskExecution'], resourceArns: [...this.taskArns] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: ['datasync:DescribeTaskExecution'], resourceArns: executions }));
    const roles = [this.source.roleToPassOnStart, this.destination.roleToPassOnStart].filter((role): role is iam.IRole => role !== undefined);
    const passed = roles.length === 0 ? grant : grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: roles.map((role) => role.roleArn),
      conditions: { StringEquals: { 'iam:PassedToService': DATASYNC_SERVICE } },
    }));
    this.acknowledgeExecutionWildcards(grantee, executions);
    return passed;
  }

  public grantCancelExecution(grantee: iam.IGrantable): iam.Grant {
    const executions = this.executionArnPatterns();
    this.acknowledgeExecutionWildcards(grantee, executions);
    return iam.Grant.addToPrincipal({ grantee, actions: ['datasync:CancelTaskExecution'], resourceArns: executions });
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.taskMetric(this.taskId, metricName, props);
  }

  /**
   * The metric of each task of the pool, in the order of `taskArns`; to see whether
   * runs spread over the pool, or which task is busy.
   */
  public metricPerTask(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric[] {
    return this.taskIds.map((taskId) => this.taskMetric(taskId, metricName, props));
  }

  public metricPool(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    if (this.poolSize === 1) {
      return this.metric(metricName, props);
    }
    const { label, color, period, ...perTask } = props ?? {};
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    this.metricPerTask(metricName, perTask).forEach((metric, index) => {
      usingMetrics[`task${index + 1}`] = metric;
    });
    return new cloudwatch.MathExpression({
      expression: `SUM(FILL([${Object.keys(usingMetrics).join(', ')}], 0))`,
      usingMetrics,
      label: label ?? `${metricName} (sum over ${this.poolSize} tasks)`,
      color,
      period: period ?? Duration.minutes(5),
    });
  }

  /** Bytes written to the destination, summed over 5 minutes; in a pool, by its first task only (see `metricPoolBytesTransferred`). */
  public metricBytesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('BytesTransferred', props);
  }

  /** Files transferred, summed over 5 minutes; in a pool, by its first task only (see `metricPoolFilesTransferred`). */
  public metricFilesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('FilesTransferred', props);
  }

  /** Files verified, summed over 5 minutes; in a pool, by its first task only. */
  public metricFilesVerified(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('FilesVerified', props);
  }

  /** Bytes written to the destination by every task of the pool, summed over 5 minutes. */
  public metricPoolBytesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metricPool('BytesTransferred', props);
  }

  /** Files transferred by every task of the pool, summed over 5 minutes. */
  public metricPoolFilesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.metricPool('FilesTransferred', props);
  }

  private taskMetric(taskId: string, metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/DataSync',
      metricName,
      dimensionsMap: { TaskId: taskId },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** `<taskArn>/execution/*` of every task, in order. */
  private executionArnPatterns(): string[] {
    return this.taskArns.map((taskArn) => `${taskArn}/execution/*`);
  }

  private acknowledgeExecutionWildcards(grantee: iam.IGrantable, executions: string[]): void {
    const reason = this.poolSize === 1
      ? 'DataSync generates the execution ID when an execution starts; describing and cancelling are allowed on the executions of this one task only.'
      : 'DataSync generates the execution ID when an execution starts; describing and cancelling are allowed on the executions of this task '
      + `only, one of the ${this.poolSize} tasks of the pool ${this.node.path}.`;
    for (const execution of executions) {
      acknowledgeExecutionWildcard(grantee, execution, reason);
    }
  }

  private createLogGroup(props: TransferTaskProps): logs.ILogGroup {
    let logGroup = props.logGroup;
    if (!logGroup) {
      const created = new logs.LogGroup(this, 'LogGroup', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        encryptionKey: props.logEncryptionKey,
        removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      });
      if (!props.logEncryptionKey) {
        Validations.of(created).acknowledge({
          id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
          reason: 'DataSync task logs hold file names and errors, not file contents; they are encrypted at rest with the CloudWatch Logs service '
            + 'key by default. Set logEncryptionKey to use a customer managed KMS key.',
        });
      }
      logGroup = created;
    }
    return logGroup;
  }
}
