import { Duration } from 'aws-cdk-lib';
import { PollSchedule } from '../../src/private/poll-schedule';

describe('PollSchedule', () => {
  const defaults = new PollSchedule(Duration.seconds(5), Duration.minutes(5));

  test('given the defaults, the waits double from 5 seconds and stop at the 5-minute cap', () => {
    const waits = Array.from({ length: 9 }, (_, index) => defaults.waitBefore(index));
    expect(waits).toEqual([5, 10, 20, 40, 80, 160, 300, 300, 300]);
  });

  test('given a cap that is not a doubling of the first wait, the wait jumps to the cap instead of passing it', () => {
    const schedule = new PollSchedule(Duration.seconds(3), Duration.seconds(20));
    expect([0, 1, 2, 3, 4].map((index) => schedule.waitBefore(index))).toEqual([3, 6, 12, 20, 20]);
  });

  test('given equal first and longest waits, every wait is the same', () => {
    const fixed = new PollSchedule(Duration.seconds(15), Duration.seconds(15));
    expect([0, 1, 10].map((index) => fixed.waitBefore(index))).toEqual([15, 15, 15]);
    // 12 hours at a fixed 15 s: 2,880 checks.
    expect(fixed.checksWithin(Duration.hours(12))).toBe(2880);
  });

  test('when asked how many checks fit a timeout, it answers the fewest whose waits together reach it', () => {
    // 5 + 10 + 20 + 40 = 75 s < 100 s; one more wait (80 s) reaches 155 s.
    expect(defaults.checksWithin(Duration.seconds(100))).toBe(5);
    expect(defaults.secondsUntilCheck(4)).toBe(75);
    expect(defaults.secondsUntilCheck(5)).toBe(155);
    // Exactly reaching the timeout is enough.
    expect(defaults.checksWithin(Duration.seconds(75))).toBe(4);
  });

  test('given the defaults, a 12-hour transfer costs 149 checks (the figure the class documents)', () => {
    const checks = defaults.checksWithin(Duration.hours(12));
    expect(checks).toBe(149);
    expect(defaults.secondsUntilCheck(checks)).toBeGreaterThanOrEqual(12 * 3600);
    expect(defaults.secondsUntilCheck(checks - 1)).toBeLessThan(12 * 3600);
  });

  test('given a timeout shorter than the first wait, the stage still checks once', () => {
    expect(defaults.checksWithin(Duration.seconds(1))).toBe(1);
    expect(defaults.checksWithin(Duration.seconds(0))).toBe(1);
  });
});
