import { Transform, TransformCallback } from 'node:stream';
import { S3Error, s3Errors } from './s3-errors';

/**
 * Decodes a body sent with `Content-Encoding: aws-chunked` (S3 API reference, "Signature
 * calculations for the Authorization header: transferring payload in multiple chunks"):
 * `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n` ... `0\r\n`, then trailing headers
 * (`x-amz-checksum-crc32:<base64>\r\n`) and `\r\n`. The SDK uses it for streaming bodies
 * with a trailing checksum. Chunk signatures are not checked, like every signature here.
 */
export class AwsChunkedDecoder extends Transform {
  /** Trailing headers, lower-case names, available once the stream has ended. */
  public readonly trailers: Record<string, string> = {};
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';
  private line = '';
  private remaining = 0;

  public _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  public _flush(callback: TransformCallback): void {
    callback(this.state === 'done' ? undefined : malformed('the aws-chunked body ended before its last chunk'));
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, chunk.length - offset);
        this.push(chunk.subarray(offset, offset + take));
        offset += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      if (this.state === 'done') {
        throw malformed('bytes after the end of the aws-chunked body');
      }
      // Header lines are short: read them byte by byte up to CRLF.
      const byte = chunk[offset++];
      this.line += String.fromCharCode(byte);
      if (this.line.length > 4096) throw malformed('an aws-chunked header line is too long');
      if (!this.line.endsWith('\r\n')) continue;
      const line = this.line.slice(0, -2);
      this.line = '';
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    switch (this.state) {
      case 'size': {
        const size = parseInt(line.split(';')[0], 16);
        if (!/^[0-9a-fA-F]+$/.test(line.split(';')[0]) || Number.isNaN(size)) throw malformed(`chunk size '${line}' is not hexadecimal`);
        this.remaining = size;
        this.state = size === 0 ? 'trailer' : 'data';
        return;
      }
      case 'data-end':
        if (line !== '') throw malformed('a chunk is longer than its size');
        this.state = 'size';
        return;
      case 'trailer': {
        if (line === '') {
          this.state = 'done';
          return;
        }
        const colon = line.indexOf(':');
        if (colon < 1) throw malformed(`trailer '${line}' is not a header`);
        this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        return;
      }
      default:
        throw malformed('unexpected aws-chunked state');
    }
  }
}

function malformed(message: string): S3Error {
  return s3Errors.invalidRequest(`aws-chunked body: ${message}`);
}
