/**
 * Paces StartExecution calls: at most `rate` starts a second (a token bucket of one second's
 * starts), halved at each throttling answer and raised again by 10 % per second of calm, never
 * above the rate asked for. Step Functions' StartExecution quota (Standard) is a bucket of
 * 800-1,300 with 150-300 refills a second depending on the region, shared with every other caller
 * of the account.
 */
export class StartPacer {
  private tokens: number;
  private current: number;
  private last: number;
  private lastThrottle = 0;

  public constructor(private readonly rate: number, private readonly now: () => number = Date.now) {
    this.current = rate;
    this.tokens = Math.min(rate, 1);
    this.last = now();
  }

  /** The rate in effect (starts per second). */
  public get effectiveRate(): number {
    return this.current;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = (now - this.last) / 1_000;
    this.last = now;
    if (now - this.lastThrottle > 1_000) this.current = Math.min(this.rate, this.current * (1 + 0.1 * elapsed));
    this.tokens = Math.min(Math.max(1, this.current), this.tokens + elapsed * this.current);
  }

  /** Waits until one start may go. */
  public async take(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.max(1, ((1 - this.tokens) / this.current) * 1_000));
    }
  }

  /** A start was throttled: slow down. */
  public throttled(): void {
    this.lastThrottle = this.now();
    this.current = Math.max(0.5, this.current / 2);
    this.tokens = 0;
  }
}

/** How long to wait before the `attempt`-th retry of a throttled start: 0.2 s doubling, at most 20 s, with jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(20_000, 200 * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
