import * as path from 'node:path';
import { readCloudAssembly, selectPipeline, StateDirectory, synthesizeApp } from '@batch-pipeline/local';
import { LocalS3Store } from '@batch-pipeline/local/lib/services/s3/local-s3-store';
import { putLocalFile } from '@batch-pipeline/local/lib/services/s3/put-local-file';

export const EXAMPLE = path.join(__dirname, '..', '..', '..', 'apps', 'example');
const SAMPLE = path.join(EXAMPLE, 'samples', 'plate-reader-2026-11-30.csv');

/** The example app synthesized into `work`, with `count` objects in its upload bucket put while nothing watched it (back-fill's work). */
export async function exampleWithBacklog(work: string, count: number): Promise<{ assemblyDirectory: string; state: StateDirectory; putMs: number }> {
  const assemblyDirectory = synthesizeApp(EXAMPLE, path.join(work, 'cdk.out'));
  const trigger = selectPipeline(readCloudAssembly(assemblyDirectory)).uploadTriggers[0];
  const state = StateDirectory.open(path.join(work, 'state'));
  const store = new LocalS3Store(state.bucketsRoot);
  store.createBucket(trigger.bucket.name, { versioned: trigger.bucket.versioned });
  const putStart = performance.now();
  for (let index = 0; index < count; index++) {
    await putLocalFile(store, trigger.bucket.name, `${trigger.prefix ?? ''}backlog/plate-${String(index).padStart(5, '0')}.csv`, SAMPLE);
  }
  return { assemblyDirectory, state, putMs: performance.now() - putStart };
}
