import { randomBytes } from 'node:crypto';
import { ObjectCreated } from '../services/s3/local-s3-store';

/**
 * An object key as S3 writes it into an event notification: URL-encoded, a space as `+`
 * (S3 User Guide, "Event message structure": "The s3 key provides information about the
 * bucket and object involved in the event. The object key name value is URL encoded.").
 * Only S3's safe characters stay as they are (letters, digits, `! - _ . * ' ( )` and the `/`
 * delimiter, "Object key naming guidelines"); `~`, which encodeURIComponent keeps, is encoded.
 */
export function encodeEventKey(key: string): string {
  return key.split('/').map((segment) => encodeURIComponent(segment).replace(/%20/g, '+').replace(/~/g, '%7E')).join('/');
}

/**
 * Whether a notification's key filter (prefix and suffix rules) matches an object key. S3 compares
 * the rules with the key in its event (URL-encoded) form: a rule for a key with a space says `+`
 * ("Configuring event notifications using object key name filtering"). A rule written with a plain
 * space, as the encoded key never has one, matches the decoded key too, so that neither form
 * silently starts nothing.
 */
export function keyFilterMatches(key: string, prefix = '', suffix = ''): boolean {
  const encoded = encodeEventKey(key);
  return (encoded.startsWith(prefix) && encoded.endsWith(suffix)) || (key.startsWith(prefix) && key.endsWith(suffix));
}

/** Whether a notification configuration's event type (`s3:ObjectCreated:*`) covers an event. */
export function eventTypeMatches(configured: string, eventName: string): boolean {
  const wanted = configured.replace(/^s3:/, '');
  return wanted.endsWith(':*') ? eventName.startsWith(wanted.slice(0, -1)) : wanted === eventName;
}

/**
 * The S3 event notification (event message structure version 2.1) for a committed object,
 * as S3 delivers it to a Lambda function: one record, the key URL-encoded, the ETag without
 * quotes, the version id only for a versioned bucket, the sequencer that orders the events of a key.
 */
export function s3EventFor(
  created: ObjectCreated,
  options: { readonly region: string; readonly versioned: boolean; readonly configurationId: string },
): Record<string, unknown> {
  return {
    Records: [{
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: options.region,
      eventTime: new Date().toISOString(),
      eventName: created.eventName,
      userIdentity: { principalId: 'AWS:LOCALUSER' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(), 'x-amz-id-2': randomBytes(32).toString('base64') },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: options.configurationId,
        bucket: { name: created.bucket, ownerIdentity: { principalId: 'LOCALOWNER' }, arn: `arn:aws:s3:::${created.bucket}` },
        object: {
          key: encodeEventKey(created.key),
          size: created.record.size,
          eTag: created.record.etag.replace(/"/g, ''),
          ...(options.versioned ? { versionId: created.record.versionId } : {}),
          sequencer: created.sequencer,
        },
      },
    }],
  };
}
