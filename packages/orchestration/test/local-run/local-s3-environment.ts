import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalS3Endpoint } from './local-s3-endpoint';

/** The SDK settings a test sets for the code under test; each is restored afterwards. */
const SETTINGS = ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] as const;

export interface LocalS3 {
  /** The running endpoint (available from the first test on). */
  readonly endpoint: LocalS3Endpoint;
  /** The folder that holds its buckets. */
  readonly root: string;
}

/**
 * Starts a local S3 endpoint for the test file (beforeAll) and points the SDK's standard
 * settings at it, as the local runtime does for a function: `AWS_ENDPOINT_URL_S3`, a region and
 * dummy credentials; shared config files are hidden so that a developer's ~/.aws cannot change
 * the endpoint or the credentials. afterAll restores every setting and removes the folder.
 * One endpoint per test file, since the code under test keeps one S3 client per process.
 */
export function useLocalS3(): LocalS3 {
  const saved = new Map<string, string | undefined>();
  const state: { endpoint?: LocalS3Endpoint; root?: string } = {};
  beforeAll(async () => {
    state.root = mkdtempSync(path.join(tmpdir(), 'local-s3-'));
    state.endpoint = await LocalS3Endpoint.start(path.join(state.root, 'buckets'));
    for (const name of SETTINGS) saved.set(name, process.env[name]);
    for (const name of SETTINGS) delete process.env[name];
    process.env.AWS_ENDPOINT_URL_S3 = state.endpoint.url;
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'local-test-secret';
    process.env.AWS_CONFIG_FILE = path.join(state.root, 'no-config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(state.root, 'no-credentials');
  });
  afterAll(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await state.endpoint?.stop();
    if (state.root) rmSync(state.root, { recursive: true, force: true });
  });
  return {
    get endpoint(): LocalS3Endpoint {
      if (!state.endpoint) throw new Error('the local S3 endpoint starts in beforeAll; use it inside a test');
      return state.endpoint;
    },
    get root(): string {
      if (!state.root) throw new Error('the local S3 endpoint starts in beforeAll; use it inside a test');
      return state.root;
    },
  };
}
