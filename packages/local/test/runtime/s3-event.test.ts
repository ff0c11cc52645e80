import * as path from 'node:path';
import { encodeEventKey, eventTypeMatches, keyFilterMatches, s3EventFor } from '../../src/runtime/s3-event';
import { ObjectCreated } from '../../src/services/s3/local-s3-store';

// The orchestration trigger's own decoder (the code the real trigger runs), loaded from its source
// at run time: packages/local must not depend on a construct package.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { decodeS3EventKey } = require(path.join(__dirname, '..', '..', '..', 'orchestration', 'src', 'trigger', 's3-object-key')) as {
  decodeS3EventKey: (encodedKey: string) => string | undefined;
};

function created(key: string, overrides: Partial<ObjectCreated> = {}): ObjectCreated {
  return {
    bucket: 'uploads-bucket',
    key,
    eventName: 'ObjectCreated:Put',
    sequencer: '0000000000000001A',
    record: { versionId: 'v1', deleteMarker: false, size: 42, etag: '"0123456789abcdef0123456789abcdef"', lastModified: new Date(0).toISOString() },
    ...overrides,
  };
}

describe('the event message (structure version 2.1)', () => {
  test('has one record with the fields S3 sends to a Lambda function', () => {
    // when an event is made for an object committed to a versioned bucket
    const event = s3EventFor(created('incoming/a b.csv'), { region: 'eu-west-2', versioned: true, configurationId: 'notification-1' }) as any;

    // then it is one 2.1 record with the bucket, the encoded key, size, ETag without quotes, version and sequencer
    expect(event.Records).toHaveLength(1);
    const [record] = event.Records;
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-2',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: expect.any(String) },
      requestParameters: { sourceIPAddress: expect.any(String) },
      responseElements: { 'x-amz-request-id': expect.any(String), 'x-amz-id-2': expect.any(String) },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'notification-1',
        bucket: { name: 'uploads-bucket', ownerIdentity: { principalId: expect.any(String) }, arn: 'arn:aws:s3:::uploads-bucket' },
        object: { key: 'incoming/a+b.csv', size: 42, eTag: '0123456789abcdef0123456789abcdef', versionId: 'v1', sequencer: '0000000000000001A' },
      },
    });
    expect(new Date(record.eventTime).toISOString()).toBe(record.eventTime);
    expect(typeof record.s3.object.size).toBe('number');
  });

  test('an object in an unversioned bucket has no versionId', () => {
    const event = s3EventFor(created('a.csv', { record: { ...created('a.csv').record, versionId: 'null' } }), { region: 'eu-west-2', versioned: false, configurationId: 'n' }) as any;
    expect(event.Records[0].s3.object).not.toHaveProperty('versionId');
  });
});

describe('object keys in events', () => {
  test('are URL-encoded with + for a space, as S3 writes them', () => {
    expect(encodeEventKey('incoming/red flower.jpg')).toBe('incoming/red+flower.jpg');
    expect(encodeEventKey('a+b.csv')).toBe('a%2Bb.csv');
    expect(encodeEventKey('100%.csv')).toBe('100%25.csv');
    expect(encodeEventKey('time 10:47:07=x&y.log')).toBe('time+10%3A47%3A07%3Dx%26y.log');
    expect(encodeEventKey('données/été.csv')).toBe('donn%C3%A9es/%C3%A9t%C3%A9.csv');
    expect(encodeEventKey('_leading/_underscore.csv')).toBe('_leading/_underscore.csv');
  });

  test('only S3\'s safe characters stay as they are: letters, digits, ! - _ . * \' ( ) and /', () => {
    expect(encodeEventKey("a-z_A.Z*0'9!(x)/y")).toBe("a-z_A.Z*0'9!(x)/y");
    expect(encodeEventKey('~home/a~b')).toBe('%7Ehome/a%7Eb');
  });

  test.each([
    'plain.csv',
    'incoming/with space.csv',
    'incoming/two  spaces and trailing .csv',
    'incoming/a+b+c.csv',
    'incoming/ + mixed+ .csv',
    'incoming/100% sure%20not-encoded.csv',
    'incoming/données été/東京 ü.csv',
    'incoming/emoji 🧪.csv',
    '_leading_underscore.csv',
    'incoming/_x/__y_.csv',
    'incoming/(copy) 1!*\'~.csv',
    'incoming/a=b&c;d,e?f#g@h$.csv',
  ])('%j round-trips through the orchestration trigger\'s decoder', (key) => {
    // given the key as the event carries it
    const event = s3EventFor(created(key), { region: 'eu-west-2', versioned: true, configurationId: 'n' }) as any;
    const encoded: string = event.Records[0].s3.object.key;

    // then it has no raw space, and the trigger decodes it to the key that was uploaded
    expect(encoded).not.toContain(' ');
    expect(decodeS3EventKey(encoded)).toBe(key);
  });
});

describe('key filters of a notification configuration', () => {
  test('a prefix and a suffix match the start and end of the key', () => {
    expect(keyFilterMatches('incoming/a.csv', 'incoming/', '.csv')).toBe(true);
    expect(keyFilterMatches('incoming/a.txt', 'incoming/', '.csv')).toBe(false);
    expect(keyFilterMatches('other/a.csv', 'incoming/', '.csv')).toBe(false);
    expect(keyFilterMatches('anything', undefined, undefined)).toBe(true);
  });

  test('a rule for a key with a space is written with +, as S3 compares the encoded key', () => {
    expect(keyFilterMatches('my folder/a b.csv', 'my+folder/', 'b.csv')).toBe(true);
    expect(keyFilterMatches('my folder/a b.csv', 'my+folder/', 'a+b.csv')).toBe(true);
    expect(keyFilterMatches('my folder/x.csv', 'my folder/')).toBe(true);
    expect(keyFilterMatches('my-folder/x.csv', 'my+folder/')).toBe(false);
  });
});

describe('event types of a notification configuration', () => {
  test('s3:ObjectCreated:* covers every creation, a specific type only itself', () => {
    expect(eventTypeMatches('s3:ObjectCreated:*', 'ObjectCreated:Put')).toBe(true);
    expect(eventTypeMatches('s3:ObjectCreated:*', 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(eventTypeMatches('s3:ObjectCreated:Put', 'ObjectCreated:Put')).toBe(true);
    expect(eventTypeMatches('s3:ObjectCreated:Put', 'ObjectCreated:Copy')).toBe(false);
    expect(eventTypeMatches('s3:ObjectRemoved:*', 'ObjectCreated:Put')).toBe(false);
  });
});
