import { describeSkipReason, notificationMismatch, triggerSkipOf } from '../../src/cli/upload-outcome';
import { UploadTrigger } from '../../src/model/pipeline-model';
import { testModel } from '../services/service-fixtures';

const bucket = { logicalId: 'Uploads', name: 'uploads', arn: 'arn:aws:s3:::uploads', versioned: true };

function modelWith(...triggers: Array<Partial<UploadTrigger>>) {
  return testModel({ uploadTriggers: triggers.map((trigger) => ({ bucket, functionArn: 'arn:aws:lambda:eu-west-2:123456789012:function:t', events: ['s3:ObjectCreated:*'], ...trigger })) });
}

describe('the bucket\'s notification filter, checked before an upload', () => {
  test('a key under the prefix with the suffix matches; nothing to say', () => {
    expect(notificationMismatch(modelWith({ prefix: 'incoming/', suffix: '.csv' }), 'uploads', 'incoming/a.csv')).toBeUndefined();
  });

  test('a key outside the prefix names the prefix', () => {
    expect(notificationMismatch(modelWith({ prefix: 'incoming/' }), 'uploads', 'other/a.csv'))
      .toBe('the key is outside the watched prefix \'incoming/\' (the bucket\'s notification filter)');
  });

  test('a key without the watched suffix names the suffix', () => {
    expect(notificationMismatch(modelWith({ prefix: 'incoming/', suffix: '.csv' }), 'uploads', 'incoming/a.txt'))
      .toBe('the key does not end in the watched suffix \'.csv\' (the bucket\'s notification filter)');
  });

  test('a notification for other events than an upload, and a bucket without one, say so', () => {
    expect(notificationMismatch(modelWith({ events: ['s3:ObjectRemoved:*'] }), 'uploads', 'a.csv')).toMatch(/not for an upload \(s3:ObjectCreated:Put\)/);
    expect(notificationMismatch(modelWith(), 'elsewhere', 'a.csv')).toBe('the bucket elsewhere has no event notification');
  });

  test('a key with a space matches a rule written with + (S3 compares the encoded key)', () => {
    expect(notificationMismatch(modelWith({ prefix: 'my+folder/' }), 'uploads', 'my folder/a.csv')).toBeUndefined();
  });
});

describe('what the trigger logged about an upload it skipped', () => {
  test('its JSON line after the Lambda runtime\'s prefix is read', () => {
    const line = '2026-12-06T00:00:00.000Z\tabc-123\tINFO\t{"outcome":"skipped","reason":"zero-byte-object","eventName":"ObjectCreated:Put","bucket":"uploads","key":"incoming/e.csv","size":0}';
    expect(triggerSkipOf(line)).toEqual({ bucket: 'uploads', key: 'incoming/e.csv', reason: 'zero-byte-object' });
    expect(describeSkipReason('zero-byte-object')).toContain('the file is empty');
  });

  test('other lines are not skips', () => {
    expect(triggerSkipOf('2026-12-06T00:00:00.000Z\tabc\tINFO\t{"outcome":"started","runId":"r1","bucket":"b","key":"k"}')).toBeUndefined();
    expect(triggerSkipOf('START RequestId: abc Version: $LATEST')).toBeUndefined();
    expect(triggerSkipOf('2026\tabc\tINFO\t{not json')).toBeUndefined();
  });

  test('a reason this CLI does not know is shown as the trigger named it', () => {
    expect(describeSkipReason('quota-exceeded')).toBe('the trigger skipped it (quota-exceeded)');
  });
});
