import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { runInputFor, skipReasonFor } from '@batch-pipeline/run-contract';
import { NOTIFIED_REASONS, refusedUploadNotice } from './refused-upload-notice';
import { decodeS3EventKey } from './s3-object-key';
import { readTriggerConfig } from './trigger-config';

const sfn = new SFNClient({});
const sns = new SNSClient({});

/** What one invocation did, also returned for tests and logs. */
export interface TriggerSummary {
  started: number;
  duplicates: number;
  skipped: number;
  malformed: number;
  /** Skipped uploads under the watched prefix whose notification was published. */
  notified: number;
}

interface S3EventRecordLike {
  eventName?: unknown;
  s3?: { bucket?: { name?: unknown }; object?: { key?: unknown; size?: unknown; versionId?: unknown; sequencer?: unknown } };
}

/** One structured JSON line per outcome, so logs can be queried by field. */
function log(outcome: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ outcome, ...fields }));
}

/**
 * Starts one state machine execution per uploaded object in an S3 event.
 * Skipped and malformed records are logged and start nothing; a skipped upload
 * under the watched prefix (empty, suffix not watched, a key EFS cannot hold) is
 * also published to the notification topic, when one is configured; a duplicate
 * delivery meets the existing execution of the same name and is not an error.
 * Any other start failure, or a notification SNS refused, is rethrown after every record was tried, so Lambda
 * retries the event (records already started then count as duplicates).
 */
export async function handler(event: unknown): Promise<TriggerSummary> {
  const config = readTriggerConfig(process.env);
  const summary: TriggerSummary = { started: 0, duplicates: 0, skipped: 0, malformed: 0, notified: 0 };

  const body = event as { Event?: unknown; Records?: unknown } | null;
  if (body?.Event === 's3:TestEvent') {
    log('skipped', { reason: 'test-event' });
    summary.skipped++;
    return summary;
  }
  if (!body || !Array.isArray(body.Records)) {
    // Retrying cannot fix a malformed event: log it and return normally.
    log('malformed', { reason: 'no Records array', event });
    summary.malformed++;
    return summary;
  }

  const failures: unknown[] = [];
  for (const record of body.Records as S3EventRecordLike[]) {
    const eventName = record?.eventName;
    const bucket = record?.s3?.bucket?.name;
    const encodedKey = record?.s3?.object?.key;
    const size = record?.s3?.object?.size ?? 0;
    const key = typeof encodedKey === 'string' ? decodeS3EventKey(encodedKey) : undefined;
    if (typeof eventName !== 'string' || typeof bucket !== 'string' || key === undefined || typeof size !== 'number') {
      log('malformed', { reason: 'record without eventName, bucket, decodable key or size', record });
      summary.malformed++;
      continue;
    }
    const reason = skipReasonFor(eventName, key, size, config.filter);
    const versionId = typeof record.s3?.object?.versionId === 'string' ? record.s3.object.versionId : null;
    if (reason) {
      log('skipped', { reason, eventName, bucket, key, size });
      summary.skipped++;
      // An upload under the watched prefix that starts no run must not vanish: its uploader is told.
      if (config.notificationTopicArn && NOTIFIED_REASONS.has(reason)) {
        const notice = refusedUploadNotice({ bucket, key, versionId, size, reason });
        try {
          const published = await sns.send(new PublishCommand({
            TopicArn: config.notificationTopicArn,
            Subject: notice.subject,
            Message: notice.message,
            MessageAttributes: notice.attributes,
          }));
          log('notified', { reason, bucket, key, versionId, messageId: published.MessageId });
          summary.notified++;
        } catch (error) {
          // Retried with the event; after Lambda's retries the event reaches the dead-letter queue and its alarm.
          log('notify-failed', { reason, bucket, key, versionId, error: String(error) });
          failures.push(error);
        }
      }
      continue;
    }
    const sequencer = typeof record.s3?.object?.sequencer === 'string' ? record.s3.object.sequencer : undefined;
    // The same input the CLI's backfill builds for a listed object (one code, run-contract).
    const input = runInputFor({ bucket, key, versionId, sequencer, size }, config.filter.prefix);
    const runId = input.runId;
    try {
      const started = await sfn.send(new StartExecutionCommand({
        stateMachineArn: config.stateMachineArn,
        name: runId,
        input: JSON.stringify(input),
      }));
      log('started', { runId, bucket, key, versionId, executionArn: started.executionArn });
      summary.started++;
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) {
        log('duplicate', { runId, bucket, key, versionId });
        summary.duplicates++;
      } else {
        log('start-failed', { runId, bucket, key, versionId, error: String(error) });
        failures.push(error);
      }
    }
  }
  if (failures.length > 0) {
    throw new Error(`trigger: ${failures.length} of ${body.Records.length} records could not be started or notified; the event will be retried`);
  }
  return summary;
}
