import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LocalRuntimeError } from '../runtime/local-runtime-error';

/**
 * Synthesizes a CDK app into `outputDirectory` by running the `app` command of its
 * `cdk.json`, as the CDK CLI does: the command gets the output folder in `CDK_OUTDIR`,
 * which `new App()` reads. Needs no AWS credentials for an app that looks nothing up.
 *
 * @returns the cloud assembly folder
 */
export function synthesizeApp(appDirectory: string, outputDirectory?: string): string {
  const cdkJson = path.join(appDirectory, 'cdk.json');
  if (!existsSync(cdkJson)) {
    throw new LocalRuntimeError(`${path.resolve(appDirectory)} has no cdk.json, so there is no app command to synthesize`,
      'pass the folder of your CDK app (the one with cdk.json) to --app, or an existing cloud assembly to --assembly');
  }
  let settings: { app?: unknown; output?: unknown };
  try {
    settings = JSON.parse(readFileSync(cdkJson, 'utf-8'));
  } catch (error) {
    throw new LocalRuntimeError(`${cdkJson} is not valid JSON (${(error as Error).message})`, 'fix cdk.json');
  }
  if (typeof settings.app !== 'string') {
    throw new LocalRuntimeError(`${cdkJson} has no "app" command`, 'add the command that runs your app, e.g. "app": "npx ts-node bin/app.ts"');
  }
  const output = path.resolve(appDirectory, outputDirectory ?? (typeof settings.output === 'string' ? settings.output : 'cdk.out'));
  const result = spawnSync(settings.app, {
    cwd: appDirectory,
    shell: true,
    env: { ...process.env, CDK_OUTDIR: output },
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    throw new LocalRuntimeError(`synthesizing the app in ${path.resolve(appDirectory)} failed (\`${settings.app}\` exited with ${result.status ?? result.signal}):\n${(result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n')}`,
      'fix the app until `npx cdk synth` succeeds, or pass an existing cloud assembly with --assembly');
  }
  return output;
}
