/**
 * A discrete-event clock shared by many simulated executions.
 *
 * Each execution is a process: it runs on the real event loop (aws-local-stepfunctions
 * and its microtasks) and blocks only in `sleep`, which every simulated service
 * call goes through. Virtual time jumps to the earliest pending wake-up, and only
 * once every live process is asleep: then nothing else can happen before that
 * wake-up, so no execution sees another one out of order. The check runs after
 * `setImmediate`, when the microtasks that woken processes queued have drained.
 */

/** One process on the clock: an execution and the service calls it makes. */
export interface ClockProcess {
  /** Blocks the process for `seconds` of virtual time. */
  sleep(seconds: number): Promise<void>;
  /** The process has ended (or was aborted): it no longer holds the clock, and a pending wake-up is dropped. */
  end(): void;
}

interface Wakeup {
  readonly time: number;
  readonly seq: number;
  readonly fire: () => void;
  cancelled: boolean;
}

/** A timer on the clock that can be called off, such as a run timeout. */
export interface ClockTimer {
  cancel(): void;
}

/**
 * How many event-loop turns the clock waits for a process that is neither asleep
 * nor ended before it calls the simulation stuck: a process that waits on
 * anything but the clock (real I/O, a promise nobody resolves) would make time
 * jump under it.
 */
const STALL_TURNS = 1000;

export class VirtualClock {
  /** Virtual seconds since the simulation started. */
  public now = 0;
  private readonly heap: Wakeup[] = [];
  private seq = 0;
  private live = 0;
  private asleep = 0;

  /** Starts a process now; the returned promise settles when `body` does. */
  public spawn<T>(body: (process: ClockProcess) => Promise<T>): Promise<T> {
    let ended = false;
    let pending: Wakeup | undefined;
    const process: ClockProcess = {
      sleep: (seconds) => {
        if (ended) {
          throw new Error('virtual clock: a process slept after it ended');
        }
        if (pending) {
          throw new Error('virtual clock: a process slept twice at once (one execution runs one state at a time)');
        }
        this.asleep++;
        return new Promise<void>((resolve) => {
          pending = this.push(this.now + Math.max(seconds, 0), () => {
            pending = undefined;
            this.asleep--;
            resolve();
          });
        });
      },
      end: () => {
        if (ended) {
          return;
        }
        ended = true;
        this.live--;
        if (pending) {
          pending.cancelled = true;
          pending = undefined;
          this.asleep--;
        }
      },
    };
    this.live++;
    return body(process).finally(() => process.end());
  }

  /** Calls `action` at virtual time `time` (not before now). */
  public at(time: number, action: () => void): ClockTimer {
    const wakeup = this.push(Math.max(time, this.now), action);
    return { cancel: () => { wakeup.cancelled = true; } };
  }

  /** Drives the simulation until no process is live and no timer is pending. */
  public async run(): Promise<void> {
    let stalled = 0;
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.live > this.asleep) {
        if (++stalled > STALL_TURNS) {
          throw new Error(`virtual clock: ${this.live - this.asleep} process(es) neither asleep nor ended after ${STALL_TURNS} event-loop turns at t=${this.now}`);
        }
        continue;
      }
      stalled = 0;
      this.dropCancelled();
      if (this.heap.length === 0) {
        if (this.live > 0) {
          throw new Error(`virtual clock: ${this.live} process(es) asleep with no wake-up at t=${this.now}`);
        }
        return;
      }
      // Everything due at the same instant fires together, in the order it was scheduled.
      const time = this.heap[0].time;
      this.now = time;
      while (this.heap.length > 0 && this.heap[0].time === time) {
        const next = this.pop();
        if (!next.cancelled) {
          next.fire();
        }
      }
    }
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) {
      this.pop();
    }
  }

  // A binary min-heap on (time, seq): a burst of 1,000 runs keeps thousands of wake-ups pending.
  private push(time: number, fire: () => void): Wakeup {
    const wakeup: Wakeup = { time, seq: this.seq++, fire, cancelled: false };
    const heap = this.heap;
    heap.push(wakeup);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!earlier(heap[index], heap[parent])) {
        break;
      }
      [heap[index], heap[parent]] = [heap[parent], heap[index]];
      index = parent;
    }
    return wakeup;
  }

  private pop(): Wakeup {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && earlier(heap[left], heap[smallest])) {
          smallest = left;
        }
        if (right < heap.length && earlier(heap[right], heap[smallest])) {
          smallest = right;
        }
        if (smallest === index) {
          break;
        }
        [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
        index = smallest;
      }
    }
    return top;
  }
}

function earlier(a: Wakeup, b: Wakeup): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
