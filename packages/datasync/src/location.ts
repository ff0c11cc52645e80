import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** What DataSync may do in a location. */
export enum LocationAccess {
  /** Read only: enough for a location that is only ever a task's source. */
  READ_ONLY = 'READ_ONLY',
  /** Read and write: needed by a task's destination. */
  READ_WRITE = 'READ_WRITE',
}

/** The storage behind a DataSync location. */
export enum LocationKind {
  /** An Amazon S3 bucket (`AWS::DataSync::LocationS3`). */
  S3 = 'S3',
  /** An Amazon EFS file system (`AWS::DataSync::LocationEFS`). */
  EFS = 'EFS',
}

/** A DataSync location that a `TransferTask` can copy from or to. */
export interface ITransferLocation extends IConstruct {
  /** The ARN of the location. */
  readonly locationArn: string;
  /** The storage behind the location. */
  readonly kind: LocationKind;
  /** What DataSync may do in the location; a task's destination needs `READ_WRITE`. */
  readonly access: LocationAccess;
  /**
   * The role that starting a task with this location passes to DataSync,
   * which the caller of `StartTaskExecution` must be allowed to pass.
   * Undefined when starting a task passes no role for this location.
   */
  readonly roleToPassOnStart?: iam.IRole;
}
