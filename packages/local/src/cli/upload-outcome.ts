import { PipelineModel } from '../model/pipeline-model';
import { eventTypeMatches, keyFilterMatches } from '../runtime/s3-event';

/**
 * Why S3 would invoke nothing for an upload of `key` into `bucket` (PutObject: the event
 * `ObjectCreated:Put`), or undefined when a notification configuration matches it. The CLI asks
 * before it uploads, so that an upload that can start nothing is not made.
 */
export function notificationMismatch(model: PipelineModel, bucket: string, key: string): string | undefined {
  const configurations = model.uploadTriggers.filter((trigger) => trigger.bucket.name === bucket);
  if (configurations.length === 0) return `the bucket ${bucket} has no event notification`;
  const forPut = configurations.filter((trigger) => trigger.events.some((event) => eventTypeMatches(event, 'ObjectCreated:Put')));
  if (forPut.length === 0) {
    return `the bucket's notification is for ${configurations.flatMap((trigger) => trigger.events).join(', ')}, `
      + 'not for an upload (s3:ObjectCreated:Put)';
  }
  if (forPut.some((trigger) => keyFilterMatches(key, trigger.prefix, trigger.suffix))) return undefined;
  const [first] = forPut;
  if (!forPut.some((trigger) => keyFilterMatches(key, trigger.prefix, ''))) {
    return `the key is outside the watched prefix '${first.prefix ?? ''}' (the bucket's notification filter)`;
  }
  const suffixes = forPut.map((trigger) => `'${trigger.suffix ?? ''}'`).join(' or ');
  return `the key does not end in the watched suffix ${suffixes} (the bucket's notification filter)`;
}

/** What the trigger said of an upload it started no run for: the object and the trigger's reason. */
export interface TriggerSkip {
  readonly bucket: string;
  readonly key: string;
  readonly reason: string;
}

/**
 * The trigger's own account of an upload it skipped, read from one line it logged, or undefined
 * for any other line. The trigger writes one JSON object per outcome
 * (`{"outcome":"skipped","reason":"zero-byte-object","bucket":...,"key":...}`), after the Lambda
 * runtime's `<time>\t<request id>\t<level>\t` prefix. This is the one place that reads that format.
 */
export function triggerSkipOf(line: string): TriggerSkip | undefined {
  const text = line.split('\t').pop() ?? '';
  if (!text.startsWith('{')) return undefined;
  try {
    const fields = JSON.parse(text) as { outcome?: unknown; reason?: unknown; bucket?: unknown; key?: unknown };
    if (fields.outcome !== 'skipped' || typeof fields.reason !== 'string' || typeof fields.bucket !== 'string'
      || typeof fields.key !== 'string') return undefined;
    return { bucket: fields.bucket, key: fields.key, reason: fields.reason };
  } catch {
    return undefined;
  }
}

/** A trigger's skip reason as a sentence (the reasons the batch-pipeline trigger names; another is shown as it is). */
export function describeSkipReason(reason: string): string {
  switch (reason) {
    case 'outside-prefix': return 'the key is outside the prefix the trigger watches';
    case 'suffix-not-watched': return 'the key does not end in a suffix the trigger watches';
    case 'zero-byte-object': return 'the file is empty, and the trigger skips empty uploads (zeroByteObjects)';
    case 'unsupported-key': return 'the key cannot be staged on EFS (a path segment over 255 bytes, an empty, \'.\' or \'..\' segment, '
      + 'or *, | or a control character)';
    case 'folder-marker': return 'the key ends in \'/\' (a folder marker)';
    default: return `the trigger skipped it (${reason})`;
  }
}
