import { Duration, Fn, Lazy, Stack } from 'aws-cdk-lib';
import { nagResourceText } from '../src/private/nag';
import { checkPattern, secondsWithin } from '../src/private/validate';

describe('nagResourceText writes intrinsics the way cdk-nag names its findings', () => {
  const stack = new Stack();

  test('Fn::Sub placeholders become <...>', () => {
    expect(nagResourceText(stack, Fn.sub('arn:${AWS::Partition}:s3:::bucket/*'))).toBe('arn:<AWS::Partition>:s3:::bucket/*');
  });

  test('Ref becomes <...> and Fn::Join is joined', () => {
    expect(nagResourceText(stack, Fn.join('/', [Fn.ref('Bucket'), '*']))).toBe('<Bucket>/*');
  });

  test('other intrinsics are written as JSON', () => {
    expect(nagResourceText(stack, Fn.select(0, Fn.split(',', Fn.ref('List'))))).toBe('{"Fn::Select":[0,{"Fn::Split":[",",{"Ref":"List"}]}]}');
  });

  test('an empty value stays empty', () => {
    expect(nagResourceText(stack, Lazy.string({ produce: () => undefined }))).toBe('');
  });
});

describe('validation helpers skip what is not known at synth time', () => {
  test('an omitted value passes any pattern', () => {
    expect(() => checkPattern('Desktop', 'fleetName', undefined, /^x$/, 'x')).not.toThrow();
  });

  test('a duration built from a token is passed through', () => {
    const seconds = Lazy.number({ produce: () => 5 });
    expect(secondsWithin('Desktop', 'disconnectTimeout', Duration.seconds(seconds), 60, { min: 60, max: 60, allowed: '60' })).toBe(seconds);
  });
});
