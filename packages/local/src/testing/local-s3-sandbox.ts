import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalS3Endpoint } from '../services/s3/local-s3-endpoint';
import { localSdkEnvironment, SDK_SETTINGS } from '../services/sdk-environment';

/**
 * A local S3 endpoint for tests of code that calls S3 in the test's own process (a
 * handler under test): `start` points this process's standard SDK settings at it,
 * `stop` restores them and removes its folder. The runtime never does this to itself:
 * it gives each function process an environment of its own.
 *
 * @example
 * const sandbox = new LocalS3Sandbox();
 * beforeAll(() => sandbox.start());
 * afterAll(() => sandbox.stop());
 */
export class LocalS3Sandbox {
  private running?: { readonly endpoint: LocalS3Endpoint; readonly root: string };
  private readonly saved = new Map<string, string | undefined>();

  public constructor(private readonly region = 'eu-west-1') {}

  /** The running endpoint; available between `start` and `stop`. */
  public get endpoint(): LocalS3Endpoint {
    if (!this.running) throw new Error('LocalS3Sandbox: call start() first (in beforeAll)');
    return this.running.endpoint;
  }

  /** The folder that holds the endpoint's buckets and the sandbox's scratch files. */
  public get root(): string {
    if (!this.running) throw new Error('LocalS3Sandbox: call start() first (in beforeAll)');
    return this.running.root;
  }

  public async start(): Promise<void> {
    const root = mkdtempSync(path.join(tmpdir(), 'local-s3-'));
    const endpoint = await LocalS3Endpoint.start(path.join(root, 'buckets'));
    this.running = { endpoint, root };
    for (const name of SDK_SETTINGS) {
      this.saved.set(name, process.env[name]);
      delete process.env[name];
    }
    Object.assign(process.env, localSdkEnvironment({ s3: endpoint.url }, { region: this.region, scratchDirectory: root }));
  }

  public async stop(): Promise<void> {
    for (const [name, value] of this.saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    this.saved.clear();
    if (this.running) {
      await this.running.endpoint.stop();
      rmSync(this.running.root, { recursive: true, force: true });
      this.running = undefined;
    }
  }
}
