/**
 * The services every execution of a benchmark shares, on one virtual clock:
 * the two DataSync tasks (one execution at a time each, the rest queued FIFO),
 * the Batch compute environment (a fixed number of jobs at once, FIFO) and the
 * workspace function. Service state is computed lazily from the clock when a
 * call observes it, so the services need no timers of their own.
 */
import { dataSyncExecutionSeconds, directCopySeconds, SERVICE_MODEL } from './service-model';
import { VirtualClock } from './virtual-clock';
import { serviceError } from '@batch-pipeline/local';

/** One DataSync task execution, as DescribeTaskExecution reports it. */
interface TransferExecution {
  readonly arn: string;
  readonly seconds: number;
  readonly queuedAt: number;
  startedAt?: number;
  cancelledAt?: number;
  endedAt?: number;
  status?: 'SUCCESS' | 'ERROR';
}

/**
 * A DataSync task: one execution runs at a time, the others wait QUEUED in the
 * order they were started. A cancelled queued execution leaves the queue at
 * once; a cancelled running one stays CANCELLING for a while and then frees the task.
 */
export class DataSyncTask {
  /** Executions in start order; the first one holds the task once it has started. */
  private readonly queue: TransferExecution[] = [];
  private readonly executions = new Map<string, TransferExecution>();
  /** When the task was last freed. */
  private freeAt = 0;
  private started = 0;
  /** The most executions queued behind the running one at once. */
  public longestQueue = 0;

  constructor(private readonly name: string, private readonly clock: VirtualClock) {}

  public start(bytes: number): string {
    this.advance();
    const arn = `arn:aws:datasync:eu-west-2:123456789012:task/${this.name}/execution/exec-${this.started++}`;
    const execution: TransferExecution = { arn, seconds: dataSyncExecutionSeconds(bytes), queuedAt: this.clock.now };
    this.queue.push(execution);
    this.executions.set(arn, execution);
    this.advance();
    this.longestQueue = Math.max(this.longestQueue, this.queue.filter((queued) => queued.startedAt === undefined).length);
    return arn;
  }

  /** DescribeTaskExecution at the current virtual time. */
  public describe(arn: string): Record<string, unknown> {
    this.advance();
    const execution = this.find(arn);
    if (execution.status === 'SUCCESS') {
      return { TaskExecutionArn: arn, Status: 'SUCCESS', Result: { ErrorCode: '' } };
    }
    if (execution.status === 'ERROR') {
      return { TaskExecutionArn: arn, Status: 'ERROR', Result: { ErrorCode: 'OpCancelled', ErrorDetail: 'Cancelled' } };
    }
    return { TaskExecutionArn: arn, Status: this.runningStatus(execution) };
  }

  /** CancelTaskExecution: refused with InvalidRequestException once the execution has ended. */
  public cancel(arn: string): void {
    this.advance();
    const execution = this.find(arn);
    if (execution.status !== undefined) {
      throw serviceError('DataSync.InvalidRequestException', `execution ${arn} is not running`);
    }
    if (execution.cancelledAt !== undefined) {
      return;
    }
    execution.cancelledAt = this.clock.now;
    if (execution.startedAt === undefined) {
      // Never started: it leaves the queue now, and the ones behind it move up.
      this.queue.splice(this.queue.indexOf(execution), 1);
      execution.status = 'ERROR';
      execution.endedAt = this.clock.now;
    }
    this.advance();
  }

  /** When an execution ended (for a successful stage-out: when the report landed). */
  public endedAt(arn: string): number {
    return this.find(arn).endedAt!;
  }

  /** When an execution got the task, or undefined while it is queued (or if it left the queue). */
  public startedAt(arn: string): number | undefined {
    return this.find(arn).startedAt;
  }

  /** Settles everything that has happened on the task up to now. */
  private advance(): void {
    const now = this.clock.now;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head.startedAt === undefined) {
        const startAt = Math.max(this.freeAt, head.queuedAt);
        if (startAt > now) {
          return;
        }
        head.startedAt = startAt;
      }
      const endAt = head.cancelledAt !== undefined
        ? Math.min(head.startedAt + head.seconds, head.cancelledAt + SERVICE_MODEL.dataSyncCancelSeconds)
        : head.startedAt + head.seconds;
      if (endAt > now) {
        return;
      }
      head.endedAt = endAt;
      head.status = head.cancelledAt !== undefined && head.cancelledAt + SERVICE_MODEL.dataSyncCancelSeconds <= head.startedAt + head.seconds ? 'ERROR' : 'SUCCESS';
      this.freeAt = endAt;
      this.queue.shift();
    }
  }

  private runningStatus(execution: TransferExecution): string {
    if (execution.startedAt === undefined) {
      return 'QUEUED';
    }
    if (execution.cancelledAt !== undefined) {
      return 'CANCELLING';
    }
    const phases = SERVICE_MODEL.dataSyncPhases;
    let elapsed = this.clock.now - execution.startedAt;
    for (const [status, seconds] of Object.entries(phases)) {
      const phase = status === 'TRANSFERRING' ? seconds + execution.seconds - dataSyncExecutionSeconds(0) : seconds;
      if (elapsed < phase) {
        return status;
      }
      elapsed -= phase;
    }
    return 'VERIFYING';
  }

  private find(arn: string): TransferExecution {
    const execution = this.executions.get(arn);
    if (!execution) {
      throw serviceError('DataSync.InvalidRequestException', `no execution ${arn}`);
    }
    return execution;
  }
}

/** When a submitted job ends, and whether the process step gave up on it first. */
export interface JobPlan {
  readonly endsAt: number;
  readonly timedOut: boolean;
}

/**
 * The Batch compute environment: at most `slots` jobs hold capacity at once,
 * from their Fargate start to their end, served in submission order. Jobs are
 * submitted in virtual-time order and their lengths are known, so each job's
 * start is known when it is submitted.
 */
export class BatchCapacity {
  /** When each slot is free again. */
  private readonly freeAt: number[];
  public longestWaitSeconds = 0;

  constructor(public readonly slots: number, private readonly clock: VirtualClock) {
    this.freeAt = new Array(slots).fill(0);
  }

  /** SubmitJob of a job that runs `runSeconds`, by a step that gives up at `deadline` (Step Functions then terminates the job). */
  public submit(runSeconds: number, deadline: number): JobPlan {
    const now = this.clock.now;
    let slot = 0;
    for (let i = 1; i < this.slots; i++) {
      if (this.freeAt[i] < this.freeAt[slot]) {
        slot = i;
      }
    }
    const startsAt = Math.max(now, this.freeAt[slot]);
    this.longestWaitSeconds = Math.max(this.longestWaitSeconds, startsAt - now);
    const endsAt = startsAt + SERVICE_MODEL.fargateStartSeconds + runSeconds;
    if (endsAt <= deadline) {
      this.freeAt[slot] = endsAt;
      return { endsAt, timedOut: false };
    }
    if (startsAt < deadline) {
      // Terminated at the deadline: it held its capacity until then.
      this.freeAt[slot] = deadline;
    }
    return { endsAt: deadline, timedOut: true };
  }
}

/**
 * The workspace function: every invocation runs at once (Lambda scales out;
 * the account's concurrency limit is not reached in these scenarios, and the
 * highest concurrency seen is reported).
 */
export class WorkspaceFunction {
  private running = 0;
  public peakConcurrency = 0;

  /** Holds one concurrent invocation for `seconds` of `sleep`. */
  public async invoke<T>(sleep: (seconds: number) => Promise<void>, seconds: number, answer: () => T): Promise<T> {
    this.running++;
    this.peakConcurrency = Math.max(this.peakConcurrency, this.running);
    try {
      await sleep(seconds);
      return answer();
    } finally {
      this.running--;
    }
  }

  /** Seconds of a direct copy of `bytes` (stage in or stage out), the invocation included. */
  public copySeconds(bytes: number): number {
    return directCopySeconds(bytes);
  }
}

/** Everything the executions of one benchmark share. */
export class SharedServices {
  public readonly stageInTask: DataSyncTask;
  public readonly stageOutTask: DataSyncTask;
  public readonly batch: BatchCapacity;
  public readonly workspace = new WorkspaceFunction();

  constructor(public readonly clock: VirtualClock, batchSlots: number) {
    this.stageInTask = new DataSyncTask('task-stage-in', clock);
    this.stageOutTask = new DataSyncTask('task-stage-out', clock);
    this.batch = new BatchCapacity(batchSlots, clock);
  }
}
