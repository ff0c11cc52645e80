import { NagAcknowledgements } from '@batch-pipeline/network';
import { Duration, Fn, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as datasync from 'aws-cdk-lib/aws-datasync';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { DataSyncLogPolicy } from './datasync-log-policy';
import { ITransferLocation, LocationAccess } from './location';
import { SUBDIRECTORY_ALLOWED, normalizeSubdirectory } from './private/paths';
import { DATASYNC_SERVICE, createDataSyncRole } from './private/service-role';
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

/** DataSync task names: up to 256 of these characters. */
const TASK_NAME = /^[a-zA-Z0-9\s+=._:@/-]{1,256}$/;
const DEFAULT_REPORT_PREFIX = 'datasync-reports/';

/** A DataSync task whose executions someone starts and watches. */
export interface ITransferTask extends IConstruct {
  /** The ARN of the task. */
  readonly taskArn: string;

  /**
   * Lets `grantee` start executions of this task (with per-execution filters) and
   * describe them: `datasync:StartTaskExecution` on the task,
   * `datasync:DescribeTaskExecution` on its executions, and `iam:PassRole` (to
   * DataSync only) of the roles its locations pass when a task starts.
   */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant;

  /**
   * Lets `grantee` cancel executions of this task (`datasync:CancelTaskExecution`
   * on its executions only), so that whoever gives up on an execution can free
   * the task's one execution slot.
   */
  grantCancelExecution(grantee: iam.IGrantable): iam.Grant;

  /** A metric of this task in the `AWS/DataSync` namespace. */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
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
  /** The task ID (`task-0123456789abcdef0`), the `TaskId` dimension of its metrics. */
  public readonly taskId: string;
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
    const who = `TransferTask '${id}'`;
    this.source = props.source;
    this.destination = props.destination;
    if (props.destination.access !== LocationAccess.READ_WRITE) {
      throw new Error(`${who}: 'destination' ${props.destination.node.path} has access ${props.destination.access}; allowed: a location with access READ_WRITE`);
    }
    validateTaskName(who, props.taskName);
    const bytesPerSecond = props.bytesPerSecond ?? -1;
    // DataSync's Options.BytesPerSecond: an integer of at least -1, where -1 is no limit (0 would stop the transfer).
    const limitValid = bytesPerSecond === -1 || (Number.isInteger(bytesPerSecond) && bytesPerSecond >= 1);
    if (!Token.isUnresolved(bytesPerSecond) && !limitValid) {
      throw new Error(`${who}: 'bytesPerSecond' ${bytesPerSecond} is not valid; allowed: -1 (no limit) or a whole number of bytes per second of at least 1`);
    }
    if (props.logGroup && (props.logRetention !== undefined || props.logEncryptionKey || props.logRemovalPolicy !== undefined)) {
      throw new Error(`${who}: 'logRetention', 'logEncryptionKey' and 'logRemovalPolicy' only apply to a new log group, but 'logGroup' was given; set them on that log group`);
    }
    const logLevel = props.logLevel ?? TaskLogLevel.BASIC;
    if (logLevel === TaskLogLevel.OFF) {
      const logOnly = (['logGroup', 'logRetention', 'logEncryptionKey', 'logRemovalPolicy'] as const).filter((name) => props[name] !== undefined);
      if (logOnly.length > 0) {
        throw new Error(`${who}: ${logOnly.map((name) => `'${name}'`).join(', ')} only apply when the task logs, but 'logLevel' is OFF; remove them or choose BASIC or TRANSFER`);
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
        throw new Error(`${who}: 'taskReport.reportLevel' ${report.reportLevel} only applies to 'outputType' STANDARD, got ${outputType}; remove it or choose STANDARD`);
      }
      const prefix = normalizeSubdirectory(report.prefix ?? DEFAULT_REPORT_PREFIX, () => new Error(
        `${who}: 'taskReport.prefix' '${report.prefix}' is not valid; allowed: ${SUBDIRECTORY_ALLOWED}`,
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
    const task = new datasync.CfnTask(this, 'Resource', {
      name: props.taskName,
      sourceLocationArn: props.source.locationArn,
      destinationLocationArn: props.destination.locationArn,
      cloudWatchLogGroupArn: this.logGroup?.logGroupArn,
      options: {
        transferMode: props.transferMode ?? TransferMode.CHANGED,
        verifyMode: props.verifyMode ?? VerifyMode.ONLY_FILES_TRANSFERRED,
        overwriteMode: props.overwriteMode ?? OverwriteMode.ALWAYS,
        preserveDeletedFiles: props.preserveDeletedFiles ?? PreserveDeletedFiles.PRESERVE,
        bytesPerSecond,
        logLevel,
        uid: copyPosix ? 'INT_VALUE' : 'NONE',
        gid: copyPosix ? 'INT_VALUE' : 'NONE',
        posixPermissions: copyPosix ? 'PRESERVE' : 'NONE',
      },
      taskReportConfig,
    });
    if (this.logPolicy) {
      // DataSync writes its first log lines as soon as an execution starts.
      task.node.addDependency(this.logPolicy.resourcePolicy);
    }
    this.taskArn = task.attrTaskArn;
    this.taskId = Fn.select(1, Fn.split('/', this.taskArn));
  }

  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    const executions = `${this.taskArn}/execution/*`;
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['datasync:StartTaskExecution'], resourceArns: [this.taskArn] })
      .combine(iam.Grant.addToPrincipal({ grantee, actions: ['datasync:DescribeTaskExecution'], resourceArns: [executions] }));
    const roles = [this.source.roleToPassOnStart, this.destination.roleToPassOnStart].filter((role): role is iam.IRole => role !== undefined);
    const passed = roles.length === 0 ? grant : grant.combine(iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: roles.map((role) => role.roleArn),
      conditions: { StringEquals: { 'iam:PassedToService': DATASYNC_SERVICE } },
    }));
    acknowledgeExecutionWildcard(grantee, executions);
    return passed;
  }

  public grantCancelExecution(grantee: iam.IGrantable): iam.Grant {
    const executions = `${this.taskArn}/execution/*`;
    acknowledgeExecutionWildcard(grantee, executions);
    return iam.Grant.addToPrincipal({ grantee, actions: ['datasync:CancelTaskExecution'], resourceArns: [executions] });
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/DataSync',
      metricName,
      dimensionsMap: { TaskId: this.taskId },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...props,
    });
  }

  /** Bytes written to the destination, summed over 5 minutes. */
  public metricBytesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('BytesTransferred', props);
  }

  /** Files transferred, summed over 5 minutes. */
  public metricFilesTransferred(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('FilesTransferred', props);
  }

  /** Files verified, summed over 5 minutes. */
  public metricFilesVerified(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('FilesVerified', props);
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
          reason: 'DataSync task logs hold file names and errors, not file contents; they are encrypted at rest with the CloudWatch Logs service key by default. Set logEncryptionKey to use a customer managed KMS key.',
        });
      }
      logGroup = created;
    }
    return logGroup;
  }
}

/**
 * The execution wildcard lands in the grantee's policy: acknowledge it there,
 * on the role (covering its default policy) or on the managed policy given.
 */
function acknowledgeExecutionWildcard(grantee: iam.IGrantable, executions: string): void {
  for (const holder of new Set<unknown>([grantee, grantee.grantPrincipal])) {
    if (Construct.isConstruct(holder)) {
      NagAcknowledgements.acknowledgeWildcardResource(holder, executions,
        'DataSync generates the execution ID when an execution starts; describing and cancelling are allowed on the executions of this one task only.');
    }
  }
}

function validateTaskName(who: string, name: string | undefined): void {
  if (name !== undefined && !Token.isUnresolved(name) && !TASK_NAME.test(name)) {
    throw new Error(`${who}: 'taskName' '${name}' is not valid; allowed: 1-256 letters, digits, spaces and + = . _ : @ / -`);
  }
}
