import type { UploadFilter } from '@batch-pipeline/run-contract';
import { ZeroByteObjects } from './upload-filter';

/** Environment variables through which the trigger construct configures the handler. */
export const TRIGGER_ENV = {
  STATE_MACHINE_ARN: 'STATE_MACHINE_ARN',
  WATCH_PREFIX: 'WATCH_PREFIX',
  /** JSON array of suffixes. */
  WATCH_SUFFIXES: 'WATCH_SUFFIXES',
  ZERO_BYTE_OBJECTS: 'ZERO_BYTE_OBJECTS',
  /** The topic told about uploads under the prefix that start no run; unset: they are only logged. */
  NOTIFICATION_TOPIC_ARN: 'NOTIFICATION_TOPIC_ARN',
} as const;

export interface TriggerConfig {
  readonly stateMachineArn: string;
  readonly filter: UploadFilter;
  /** Where refused uploads are notified, if anywhere. */
  readonly notificationTopicArn?: string;
}

/** Reads the handler's configuration, failing loudly on a deployment mistake. */
export function readTriggerConfig(env: NodeJS.ProcessEnv): TriggerConfig {
  const stateMachineArn = env[TRIGGER_ENV.STATE_MACHINE_ARN];
  if (!stateMachineArn) {
    throw new Error(`trigger: environment variable ${TRIGGER_ENV.STATE_MACHINE_ARN} is not set`);
  }
  const zeroByteObjects = env[TRIGGER_ENV.ZERO_BYTE_OBJECTS] ?? ZeroByteObjects.SKIP;
  if (!Object.values(ZeroByteObjects).includes(zeroByteObjects as ZeroByteObjects)) {
    throw new Error(`trigger: ${TRIGGER_ENV.ZERO_BYTE_OBJECTS} '${zeroByteObjects}' is not valid; allowed: `
      + `${Object.values(ZeroByteObjects).join(', ')}`);
  }
  const suffixes: unknown = JSON.parse(env[TRIGGER_ENV.WATCH_SUFFIXES] ?? '[]');
  if (!Array.isArray(suffixes) || suffixes.some((suffix) => typeof suffix !== 'string')) {
    throw new Error(`trigger: ${TRIGGER_ENV.WATCH_SUFFIXES} must be a JSON array of strings, got ${env[TRIGGER_ENV.WATCH_SUFFIXES]}`);
  }
  const notificationTopicArn = env[TRIGGER_ENV.NOTIFICATION_TOPIC_ARN] || undefined;
  return {
    stateMachineArn,
    notificationTopicArn,
    filter: {
      prefix: env[TRIGGER_ENV.WATCH_PREFIX] ?? '',
      suffixes,
      zeroByteObjects: zeroByteObjects as ZeroByteObjects,
    },
  };
}
