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
  let settings: { app?: unknown; output?: unknown; context?: unknown };
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
    env: { ...process.env, CDK_OUTDIR: output, CDK_CONTEXT_JSON: JSON.stringify(appContext(appDirectory, settings.context)) },
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'pipe'],
    // A synthesis that bundles prints a lot; the default 1 MiB would kill it.
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) {
    throw new LocalRuntimeError(`synthesizing the app in ${path.resolve(appDirectory)} could not run \`${settings.app}\` (${result.error.message})`,
      'fix the "app" command of cdk.json, or pass an existing cloud assembly with --assembly');
  }
  if (result.status !== 0) {
    throw new LocalRuntimeError(`synthesizing the app in ${path.resolve(appDirectory)} failed (\`${settings.app}\` exited with `
      + `${result.status ?? result.signal}):\n${(result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n')}`,
    'fix the app until `npx cdk synth` succeeds, or pass an existing cloud assembly with --assembly');
  }
  return output;
}

/**
 * The context the CDK CLI gives an app (`CDK_CONTEXT_JSON`): cdk.json's `context` (feature flags)
 * with the cached lookups of cdk.context.json over it. `new App()` reads only the environment,
 * so an app synthesized without it would lose its feature flags.
 */
function appContext(appDirectory: string, projectContext: unknown): Record<string, unknown> {
  let cached: Record<string, unknown> = {};
  const cacheFile = path.join(appDirectory, 'cdk.context.json');
  if (existsSync(cacheFile)) {
    try {
      cached = JSON.parse(readFileSync(cacheFile, 'utf-8'));
    } catch (error) {
      throw new LocalRuntimeError(`${cacheFile} is not valid JSON (${(error as Error).message})`, 'fix or delete cdk.context.json');
    }
  }
  const project = projectContext !== null && typeof projectContext === 'object' ? projectContext as Record<string, unknown> : {};
  return { ...project, ...cached };
}
