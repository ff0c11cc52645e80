import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TemplateResources } from './idle-cost';
import { CliError } from '../cli-error';

/** A stack of a cloud assembly: its name, region and template resources. */
export interface AssemblyStack {
  readonly stackName: string;
  /** The stack's region, or undefined for an environment-agnostic stack. */
  readonly region?: string;
  readonly resources: TemplateResources;
}

/** The stacks of a synthesized cloud assembly (`cdk.out`), read from its manifest. */
export function assemblyStacks(dir: string): AssemblyStack[] {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new CliError(`${dir} is not a cloud assembly (no manifest.json)`, 'run `npx cdk synth` in the app folder first, '
      + 'or pass --assembly <cdk.out folder>, or --stack <name> for a deployed stack');
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    artifacts?: Record<string, { type: string; environment?: string; properties?: { templateFile?: string } }>;
  };
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile)
    .map(([stackName, artifact]) => {
      const region = /^aws:\/\/[^/]+\/(.+)$/.exec(artifact.environment ?? '')?.[1];
      const template = JSON.parse(readFileSync(join(dir, artifact.properties!.templateFile!), 'utf8')) as { Resources?: TemplateResources };
      return { stackName, region: region === 'unknown-region' ? undefined : region, resources: template.Resources ?? {} };
    });
}
