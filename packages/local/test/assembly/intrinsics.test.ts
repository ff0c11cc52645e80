import { IntrinsicContext, ReferenceResolver, resolveValue, UnresolvableIntrinsicError } from '../../src/assembly/intrinsics';
import { LocalRuntimeError } from '../../src/runtime/local-runtime-error';

const references: ReferenceResolver = {
  ref: (logicalId) => {
    const known: Record<string, string> = { Bucket: 'my-bucket', Machine: 'arn:aws:states:eu-west-2:123456789012:stateMachine:Pipeline', Prefix: 'incoming/' };
    return Object.hasOwn(known, logicalId) ? known[logicalId] : undefined;
  },
  getAtt: (logicalId, attribute) => logicalId === 'Bucket' || logicalId === 'Fn' ? `${logicalId}:${attribute}` : undefined,
};

const context: IntrinsicContext = { region: 'eu-west-2', account: '123456789012', references, where: 'MyStack/Trigger Environment' };

function failure(value: unknown): Error {
  try {
    resolveValue(value, context);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the value not to resolve');
}

describe('Ref and Fn::GetAtt', () => {
  test('a Ref to a resource becomes what the resolver answers', () => {
    expect(resolveValue({ Ref: 'Bucket' }, context)).toBe('my-bucket');
  });

  test('pseudo parameters are the stack\'s account, region and name', () => {
    expect(resolveValue([{ Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }, { Ref: 'AWS::Partition' }, { Ref: 'AWS::URLSuffix' }, { Ref: 'AWS::StackName' }], context))
      .toEqual(['123456789012', 'eu-west-2', 'aws', 'amazonaws.com', 'MyStack']);
    expect(resolveValue({ Ref: 'AWS::StackId' }, context)).toMatch(/^arn:aws:cloudformation:eu-west-2:123456789012:stack\/MyStack\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test('Fn::GetAtt takes the list form and the dotted string form', () => {
    expect(resolveValue({ 'Fn::GetAtt': ['Bucket', 'Arn'] }, context)).toBe('Bucket:Arn');
    expect(resolveValue({ 'Fn::GetAtt': 'Bucket.RegionalDomainName' }, context)).toBe('Bucket:RegionalDomainName');
  });

  test('a Ref to something the template does not define fails and names where it was', () => {
    const error = failure({ Ref: 'Missing' });
    expect(error).toBeInstanceOf(UnresolvableIntrinsicError);
    expect(error.message).toBe("MyStack/Trigger Environment: Ref to 'Missing', which the template does not define");
  });

  test('a Fn::GetAtt of an unknown resource fails and names the attribute', () => {
    expect(failure({ 'Fn::GetAtt': ['Nope', 'Arn'] }).message).toContain("Fn::GetAtt of 'Nope.Arn'");
  });

  test('a name that only the object prototype has is not a reference', () => {
    // given a Sub that names "toString" or "constructor", which neither the template nor the variables define,
    // then it fails as any unknown reference does, instead of resolving to a JavaScript function
    expect(failure({ 'Fn::Sub': '${toString}' })).toBeInstanceOf(UnresolvableIntrinsicError);
    expect(failure({ 'Fn::Sub': ['${constructor}', { Other: 'x' }] })).toBeInstanceOf(UnresolvableIntrinsicError);
  });
});

describe('Fn::Join, Fn::Select, Fn::Split', () => {
  test('Fn::Join joins resolved parts with the separator', () => {
    expect(resolveValue({ 'Fn::Join': ['', ['s3://', { Ref: 'Bucket' }, '/', { Ref: 'Prefix' }]] }, context)).toBe('s3://my-bucket/incoming/');
    expect(resolveValue({ 'Fn::Join': [':', ['a', 'b', 'c']] }, context)).toBe('a:b:c');
  });

  test('Fn::Select picks an element of a resolved list, Fn::Split splits resolved text', () => {
    const arnPart = { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: 'Machine' }] }] };
    expect(resolveValue(arnPart, context)).toBe('Pipeline');
    expect(resolveValue({ 'Fn::Select': ['1', ['a', 'b']] }, context)).toBe('b');
  });

  test('Fn::Join of something that is not a list fails, naming where', () => {
    expect(failure({ 'Fn::Join': [',', { Ref: 'Bucket' }] }).message).toBe('MyStack/Trigger Environment: Fn::Join of "my-bucket", which is not a list');
  });

  test('Fn::Select out of range fails as CloudFormation does, naming where', () => {
    expect(failure({ 'Fn::Select': [2, ['a', 'b']] }).message).toMatch(/^MyStack\/Trigger Environment: Fn::Select index 2 is outside the list of 2/);
  });

  test('Fn::Base64 encodes the resolved text, as CloudFormation does', () => {
    expect(resolveValue({ 'Fn::Base64': { 'Fn::Join': ['', ['bucket=', { Ref: 'Bucket' }]] } }, context)).toBe(Buffer.from('bucket=my-bucket').toString('base64'));
  });
});

describe('Fn::Sub', () => {
  test('${Name} is a Ref, ${Resource.Attribute} a Fn::GetAtt, ${AWS::X} a pseudo parameter', () => {
    expect(resolveValue({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Bucket}/*' }, context)).toBe('arn:aws:s3:::my-bucket/*');
    expect(resolveValue({ 'Fn::Sub': '${Fn.Arn}:live' }, context)).toBe('Fn:Arn:live');
    expect(resolveValue({ 'Fn::Sub': '${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/repo' }, context))
      .toBe('123456789012.dkr.ecr.eu-west-2.amazonaws.com/repo');
  });

  test('${!Literal} stays as the literal ${Literal}', () => {
    expect(resolveValue({ 'Fn::Sub': 'keep ${!Literal} and ${!Bucket.Arn}, resolve ${Bucket}' }, context)).toBe('keep ${Literal} and ${Bucket.Arn}, resolve my-bucket');
  });

  test('variables take precedence and may themselves be intrinsics', () => {
    const value = { 'Fn::Sub': ['${Bucket}-${Where}-${Arn}', { Bucket: 'overridden', Where: { Ref: 'Prefix' }, Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } }] };
    expect(resolveValue(value, context)).toBe('overridden-incoming/-Fn:Arn');
  });

  test('a variable may contain a dot without becoming a Fn::GetAtt', () => {
    expect(resolveValue({ 'Fn::Sub': ['${a.b}', { 'a.b': 'dotted' }] }, context)).toBe('dotted');
  });

  test('an unknown name in a Sub fails with where it was', () => {
    expect(failure({ 'Fn::Sub': 'x-${Unknown}' }).message).toBe("MyStack/Trigger Environment: Ref to 'Unknown', which the template does not define");
  });
});

describe('nesting and plain values', () => {
  test('intrinsics inside objects and arrays resolve; plain values come back unchanged', () => {
    const value = { Variables: { BUCKET: { Ref: 'Bucket' }, COUNT: 3, FLAG: true, NOTHING: null, LIST: ['x', { 'Fn::GetAtt': ['Bucket', 'Arn'] }] } };
    expect(resolveValue(value, context)).toEqual({ Variables: { BUCKET: 'my-bucket', COUNT: 3, FLAG: true, NOTHING: null, LIST: ['x', 'Bucket:Arn'] } });
  });

  test('an object with one key that is not an intrinsic stays an object', () => {
    expect(resolveValue({ Status: 'Enabled' }, context)).toEqual({ Status: 'Enabled' });
    expect(resolveValue({ Condition: 'IsProd' }, context)).toEqual({ Condition: 'IsProd' });
  });

  test('an unsupported Fn:: intrinsic fails, naming the function and where it was, with what to do', () => {
    const error = failure({ A: { 'Fn::ImportValue': 'SharedBucket' } });
    expect(error).toBeInstanceOf(UnresolvableIntrinsicError);
    // a user mistake the CLI reports with exit code 2, not a crash
    expect(error).toBeInstanceOf(LocalRuntimeError);
    expect((error as LocalRuntimeError).remedy).toContain('without imports or conditions');
    expect(error.message).toBe('MyStack/Trigger Environment: Fn::ImportValue is not something the local runtime resolves');
    expect(failure({ 'Fn::If': ['IsProd', 'a', 'b'] }).message).toContain('Fn::If');
  });
});
