// Bundled into the Lambda asset by esbuild when the package is built; the construct library itself does not load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { MAX_PATH_SEGMENT_BYTES, SkipReason } from '@batch-pipeline/run-contract';
import { subjectLine, stringAttributes, StringAttribute } from '../private/notification-text';

/** The refusals a user is told about: uploads under the watched prefix that start no run. */
export const NOTIFIED_REASONS: ReadonlySet<SkipReason> = new Set<SkipReason>(['suffix-not-watched', 'zero-byte-object', 'unsupported-key']);

/** What each notified refusal means, and what the user can do. */
const EXPLANATIONS: Record<string, { readonly title: string; readonly what: string; readonly todo: string }> = {
  'suffix-not-watched': {
    title: 'suffix not watched',
    what: 'The key does not end in one of the suffixes the pipeline watches.',
    todo: 'Upload it again under a key with a watched suffix.',
  },
  'zero-byte-object': {
    title: 'empty file',
    what: 'The object has zero bytes, and the pipeline skips empty files (ZeroByteObjects.SKIP).',
    todo: 'Upload the file again with its content, or set zeroByteObjects to PROCESS to run empty files.',
  },
  'unsupported-key': {
    title: 'key cannot be staged',
    what: "The part of the key after the prefix cannot be stored as exactly one file on EFS: it holds '*', '|', a control character, an empty, "
      + `'.' or '..' segment, or a segment longer than ${MAX_PATH_SEGMENT_BYTES} bytes.`,
    todo: 'Upload it again under a shorter key of ordinary characters.',
  },
};

/** The upload a notice is about. */
export interface RefusedUpload {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  readonly size: number;
  readonly reason: SkipReason;
}

/** One Publish request's Subject, Message and MessageAttributes. */
export interface Notice {
  readonly subject: string;
  readonly message: string;
  readonly attributes: Record<string, StringAttribute>;
}

/**
 * The notification of an upload that started no run: readable as an email (the subject and the
 * first line name the reason and the file; then what it means and what to do), followed by the same
 * facts as one JSON object, and as message attributes for subscription filters.
 */
export function refusedUploadNotice(upload: RefusedUpload): Notice {
  const explanation = EXPLANATIONS[upload.reason] ?? { title: upload.reason, what: `Refused: ${upload.reason}.`, todo: 'Upload it again.' };
  const fileName = upload.key.split('/').filter((part) => part !== '').pop() ?? upload.key;
  const location = `s3://${upload.bucket}/${upload.key}${upload.versionId ? ` (version ${upload.versionId})` : ''}`;
  const details = {
    event: 'upload-not-processed',
    reason: upload.reason,
    bucket: upload.bucket,
    key: upload.key,
    versionId: upload.versionId,
    size: upload.size,
  };
  const message = [
    `Upload not processed (${explanation.title}): ${location}`,
    '',
    explanation.what,
    explanation.todo,
    'The upload was kept; no run was started for it.',
    '',
    `File:   ${location}`,
    `Size:   ${upload.size} bytes`,
    `Reason: ${upload.reason}`,
    '',
    '-- details (JSON) --',
    JSON.stringify(details, undefined, 2),
  ].join('\n');
  return {
    subject: subjectLine(`Upload not processed (${explanation.title}): `, fileName),
    message,
    attributes: stringAttributes({
      event: details.event, reason: upload.reason, bucket: upload.bucket, key: upload.key, versionId: upload.versionId,
    }),
  };
}
