import { Duration } from 'aws-cdk-lib';

/**
 * When a DataSync stage checks its execution: the first check after
 * `first`, each later wait twice the one before, never more than `max`. A
 * short transfer is noticed within seconds, a long one costs few checks
 * (a 12-hour transfer with the defaults: 149 checks instead of 2,880 at a fixed 15 s).
 *
 * The state machine doubles the wait with `States.MathAdd(wait, wait)` and
 * caps it with a Choice, so the schedule here is exactly what runs.
 */
export class PollSchedule {
  constructor(public readonly first: Duration, public readonly max: Duration) {}

  /** Seconds of the first wait. */
  public get firstSeconds(): number {
    return this.first.toSeconds();
  }

  /** Seconds of the longest wait. */
  public get maxSeconds(): number {
    return this.max.toSeconds();
  }

  /** The wait before check `index` (0-based), in seconds. */
  public waitBefore(index: number): number {
    let wait = this.firstSeconds;
    for (let i = 0; i < index && wait < this.maxSeconds; i++) {
      wait = wait * 2 > this.maxSeconds ? this.maxSeconds : wait * 2;
    }
    return wait;
  }

  /**
   * How many checks fit into `timeout`: the smallest number of checks whose
   * waits together reach it. The stage gives up after that many.
   */
  public checksWithin(timeout: Duration): number {
    const limit = timeout.toSeconds();
    let elapsed = 0;
    let checks = 0;
    while (elapsed < limit) {
      elapsed += this.waitBefore(checks);
      checks++;
    }
    return Math.max(checks, 1);
  }

  /** Seconds waited in total before check `count` ends (the first `count` waits together). */
  public secondsUntilCheck(count: number): number {
    let total = 0;
    for (let i = 0; i < count; i++) {
      total += this.waitBefore(i);
    }
    return total;
  }
}
