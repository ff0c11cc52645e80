import { byteRangeOf } from '../../../src/services/s3/s3-byte-range';

describe('the byte range a Range header asks of an object', () => {
  test('given single byte ranges, when read against a 10-byte object, then first and last byte as RFC 9110 counts them', () => {
    expect(byteRangeOf('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(byteRangeOf('bytes=3-', 10)).toEqual({ start: 3, end: 9 });
    expect(byteRangeOf('bytes=-4', 10)).toEqual({ start: 6, end: 9 });
    expect(byteRangeOf('Bytes = 2 - 99999999999999999999', 10)).toEqual({ start: 2, end: 9 });
  });

  test('given a range that starts at or past the end, a suffix of no byte, or any range of an empty object, then unsatisfiable', () => {
    expect(byteRangeOf('bytes=10-', 10)).toBe('unsatisfiable');
    expect(byteRangeOf('bytes=99999999999999999999-', 10)).toBe('unsatisfiable');
    expect(byteRangeOf('bytes=-0', 10)).toBe('unsatisfiable');
    expect(byteRangeOf('bytes=-5', 0)).toBe('unsatisfiable');
  });

  test('given no header, several ranges or what is not a byte range, then undefined: the whole object', () => {
    for (const header of [undefined, '', 'bytes=0-1,3-4', 'bytes=4-3', 'bytes=-', 'lines=0-1', 'bytes=0x10-']) {
      expect(byteRangeOf(header, 10)).toBeUndefined();
    }
  });
});
