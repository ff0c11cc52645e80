/**
 * S3's error responses (S3 API reference, "Error responses"): an HTTP status and an XML
 * body `<Error><Code/><Message/>...</Error>`; HEAD responses carry the status only.
 * The codes and messages here are the ones S3 documents for the operations the local
 * endpoint implements.
 */
export class S3Error extends Error {
  constructor(
    public readonly code: string,
    public readonly status: number,
    message: string,
    /** Extra elements S3 adds to the body, such as `Key`, `VersionId`, `UploadId`, `BucketName`. */
    public readonly details: Record<string, string> = {},
    /** Headers S3 adds to the error response, such as `x-amz-delete-marker`. */
    public readonly headers: Record<string, string> = {},
    /** S3 answers some refusals with the status alone, no `<Error>` document (a `..` segment in the path). */
    public readonly withoutBody = false,
  ) {
    super(message);
    this.name = code;
  }
}

export const s3Errors = {
  accessDenied: () => new S3Error('AccessDenied', 403, 'Access Denied'),
  noSuchBucket: (bucket: string) => new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: bucket }),
  noSuchKey: (key: string, headers: Record<string, string> = {}) =>
    new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key }, headers),
  noSuchVersion: (key: string, versionId: string) =>
    new S3Error('NoSuchVersion', 404, 'The specified version does not exist.', { Key: key, VersionId: versionId }),
  noSuchUpload: (uploadId: string) => new S3Error('NoSuchUpload', 404,
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId }),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new S3Error('InvalidArgument', 400, message, name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' }),
  invalidRequest: (message: string) => new S3Error('InvalidRequest', 400, message),
  keyTooLong: () => new S3Error('KeyTooLongError', 400, 'Your key is too long'),
  /** A request path with a `..` segment: S3 answers 400 with no error document, so the SDK names it by its status. */
  badRequest: () => new S3Error('BadRequest', 400, 'Bad Request', {}, {}, true),
  invalidUri: () => new S3Error('InvalidURI', 400, "Couldn't parse the specified URI."),
  entityTooSmall: () => new S3Error('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.'),
  entityTooLarge: () => new S3Error('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.'),
  invalidPart: () => new S3Error('InvalidPart', 400,
    'One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have '
      + "matched the part's entity tag."),
  invalidPartOrder: () => new S3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order. The parts list must be specified '
    + 'in order by part number.'),
  malformedXml: () => new S3Error('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema.'),
  badDigest: (algorithm: string) => new S3Error('BadDigest', 400, `The ${algorithm} you specified did not match the calculated checksum.`),
  contentSha256Mismatch: () => new S3Error('XAmzContentSHA256Mismatch', 400, "The provided 'x-amz-content-sha256' header does not match what "
    + 'was computed.'),
  incompleteBody: () => new S3Error('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'),
  /**
   * A range that starts at or past the object's end (S3 error codes: InvalidRange, 416): S3 names the
   * range asked and the object's size; the Content-Range header gives the size, as RFC 9110 asks.
   */
  invalidRange: (range: string, size: number) => new S3Error('InvalidRange', 416, 'The requested range cannot be satisfied.',
    { RangeRequested: range, ActualObjectSize: String(size) }, { 'content-range': `bytes */${size}` }),
  /** A GetObject/HeadObject condition that does not hold (If-Match with another entity tag): 412, naming the condition. */
  preconditionFailed: (condition: string) => new S3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold',
    { Condition: condition }),
  methodNotAllowed: (headers: Record<string, string> = {}) =>
    new S3Error('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.', {}, headers),
  /** What the local endpoint does not implement: a clear refusal instead of a silently wrong answer. */
  notImplemented: (what: string) => new S3Error('NotImplemented', 501, 'A header or query you provided implies functionality that is not '
    + `implemented: ${what}`),
};

export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `<Name>value</Name>` for each entry whose value is defined. */
export function xmlElements(entries: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(entries)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`)
    .join('');
}

export function xmlDocument(root: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body}</${root}>`;
}

export function errorXml(error: S3Error, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${xmlElements({
    Code: error.code, Message: error.message, ...error.details, RequestId: requestId, HostId: requestId,
  })}</Error>`;
}
