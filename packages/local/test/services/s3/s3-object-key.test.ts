import { describeKeyError, objectKeyError } from '../../../src/services/s3/s3-object-key';

describe('S3\'s object key rules', () => {
  test.each([
    ['a plain key', 'incoming/a.csv'],
    ['a leading slash', '/drop/x.txt'],
    ['an empty segment', 'drop//x.txt'],
    ['a . segment', 'drop/./x.txt'],
    ['a folder marker', 'drop/'],
    ['a 1,000-byte segment', `d/${'s'.repeat(1000)}`],
    ['1,024 bytes of two-byte characters', 'é'.repeat(512)],
    ['dots inside a name', 'drop/..hidden/x...txt'],
  ])('S3 accepts %s', (_what, key) => {
    expect(objectKeyError(key)).toBeUndefined();
  });

  test('1,025 bytes of UTF-8 is KeyTooLongError (400), counted in bytes, not characters', () => {
    const error = objectKeyError(`${'é'.repeat(512)}x`);
    expect(error).toMatchObject({ code: 'KeyTooLongError', status: 400, message: 'Your key is too long' });
    expect(describeKeyError(`${'é'.repeat(512)}x`, error!)).toBe('S3 refuses it with KeyTooLongError: it is 1025 bytes of UTF-8, and a key has at most 1024');
  });

  test.each(['drop/../x.txt', '../x.txt', 'drop/..'])('a \'..\' segment (%s) is a bare 400 Bad Request, without an error document', (key) => {
    expect(objectKeyError(key)).toMatchObject({ code: 'BadRequest', status: 400, withoutBody: true });
  });

  test('an empty key, and one that is not UTF-8 (a lone surrogate), are refused as the SDK refuses them', () => {
    expect(objectKeyError('')).toMatchObject({ code: 'InvalidArgument' });
    expect(objectKeyError('a\ud800b')).toMatchObject({ code: 'InvalidArgument' });
    expect(objectKeyError('emoji \ud83d\ude00 ok')).toBeUndefined();
  });
});
