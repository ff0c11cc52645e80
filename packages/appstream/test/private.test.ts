import { Duration, Lazy } from 'aws-cdk-lib';
import { checkPattern, secondsWithin } from '../src/private/validate';

describe('validation helpers skip what is not known at synth time', () => {
  test('an omitted value passes any pattern', () => {
    expect(() => checkPattern('Desktop', 'fleetName', undefined, /^x$/, 'x')).not.toThrow();
  });

  test('a duration built from a token is passed through', () => {
    const seconds = Lazy.number({ produce: () => 5 });
    expect(secondsWithin('Desktop', 'disconnectTimeout', Duration.seconds(seconds), 60, { min: 60, max: 60, allowed: '60' })).toBe(seconds);
  });
});
