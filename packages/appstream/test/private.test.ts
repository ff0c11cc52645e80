import { ConstructErrors } from '@batch-pipeline/network/lib/construct-errors';
import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { checkPattern, secondsWithin } from '../src/private/validate';

const errors = ConstructErrors.of(new Construct(new Stack(new App(), 'S'), 'Desktop'), 'QualityControlDesktop');

describe('validation helpers skip what is not known at synth time', () => {
  test('an omitted value passes any pattern', () => {
    expect(() => checkPattern(errors, 'fleetName', undefined, /^x$/, 'x')).not.toThrow();
  });

  test('a duration built from a token is passed through', () => {
    const seconds = Lazy.number({ produce: () => 5 });
    expect(secondsWithin(errors, 'disconnectTimeout', Duration.seconds(seconds), 60, { min: 60, max: 60, allowed: '60' })).toBe(seconds);
  });
});
