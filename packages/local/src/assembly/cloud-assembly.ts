import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { TemplateResource } from './local-identifiers';
import { LocalRuntimeError } from '../runtime/local-runtime-error';

/** One CloudFormation stack of a cloud assembly, with what the runtime needs of it. */
export interface AssemblyStack {
  /** The artifact id (the stack name unless `stackName` was set). */
  readonly id: string;
  readonly stackName: string;
  /** The stack's region and account, when the stack has a concrete environment. */
  readonly region?: string;
  readonly account?: string;
  readonly template: {
    readonly Resources: Readonly<Record<string, TemplateResource>>;
    readonly Parameters?: Record<string, any>;
    /** The stack's outputs, unresolved (DescribeStacks of the served runtime resolves them). */
    readonly Outputs?: Record<string, any>;
  };
  /** The directory of the cloud assembly that holds the stack (assets are relative to it). */
  readonly assemblyDirectory: string;
  /** File assets by the object key the template refers to (`<hash>.zip`): the asset's folder or file. */
  readonly fileAssets: ReadonlyMap<string, string>;
  /** Docker image assets by image tag (the asset hash): the folder with the Dockerfile. */
  readonly imageAssets: ReadonlyMap<string, string>;
}

export interface CloudAssembly {
  readonly directory: string;
  readonly stacks: readonly AssemblyStack[];
}

function readJson(file: string, what: string, remedy: string): any {
  let text: string;
  try {
    text = readFileSync(file, 'utf-8');
  } catch (error) {
    throw new LocalRuntimeError(`cannot read ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, remedy);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LocalRuntimeError(`${what} ${file} is not valid JSON (${(error as Error).message})`, remedy);
  }
}

const SYNTH_AGAIN = 'synthesize the app again (`npx cdk synth`, or run with --synth)';

function readAssetManifest(file: string, assemblyDirectory: string): { files: Map<string, string>; images: Map<string, string> } {
  const manifest = readJson(file, 'the asset manifest', SYNTH_AGAIN);
  const files = new Map<string, string>();
  const images = new Map<string, string>();
  for (const asset of Object.values<any>(manifest.files ?? {})) {
    for (const destination of Object.values<any>(asset.destinations ?? {})) {
      files.set(destination.objectKey, path.join(assemblyDirectory, asset.source.path));
    }
  }
  for (const asset of Object.values<any>(manifest.dockerImages ?? {})) {
    for (const destination of Object.values<any>(asset.destinations ?? {})) {
      if (asset.source?.directory) {
        images.set(destination.imageTag, path.join(assemblyDirectory, asset.source.directory));
      }
    }
  }
  return { files, images };
}

function readStacks(directory: string): AssemblyStack[] {
  const manifest = readJson(path.join(directory, 'manifest.json'), 'the cloud assembly manifest', SYNTH_AGAIN);
  if (manifest === null || typeof manifest !== 'object' || typeof manifest.version !== 'string'
    || (manifest.artifacts !== undefined && (manifest.artifacts === null || typeof manifest.artifacts !== 'object'))) {
    throw new LocalRuntimeError(`${directory} is not a cloud assembly: its manifest.json has no version and artifacts`,
      'point --assembly at the output folder of `cdk synth` (cdk.out), or at the CDK app folder with --synth');
  }
  // An app with no stacks writes a manifest without artifacts.
  const artifacts: Record<string, any> = manifest.artifacts ?? {};
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'cdk:cloud-assembly') {
      // A stage: a nested assembly with stacks of its own.
      stacks.push(...readStacks(path.join(directory, artifact.properties.directoryName)));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack') {
      continue;
    }
    const template = readJson(path.join(directory, artifact.properties.templateFile), `the template of stack ${id}`, SYNTH_AGAIN);
    const environment = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '');
    const concrete = (value: string | undefined) => value && !value.startsWith('unknown-') ? value : undefined;
    const assetManifests = (artifact.dependencies ?? [])
      .map((dependency: string) => artifacts[dependency])
      .filter((dependency: any) => dependency?.type === 'cdk:asset-manifest');
    const files = new Map<string, string>();
    const images = new Map<string, string>();
    for (const assetManifest of assetManifests) {
      const assets = readAssetManifest(path.join(directory, assetManifest.properties.file), directory);
      assets.files.forEach((value, key) => files.set(key, value));
      assets.images.forEach((value, key) => images.set(key, value));
    }
    stacks.push({
      id,
      stackName: artifact.properties.stackName ?? id,
      region: concrete(environment?.[2]),
      account: concrete(environment?.[1]),
      template: { Resources: template.Resources ?? {}, Parameters: template.Parameters, Outputs: template.Outputs },
      assemblyDirectory: directory,
      fileAssets: files,
      imageAssets: images,
    });
  }
  return stacks;
}

/**
 * Reads a cloud assembly (the folder `cdk synth` writes): every stack, nested stages
 * included, with its template and the local folders of its assets.
 */
export function readCloudAssembly(directory: string): CloudAssembly {
  const absolute = path.resolve(directory);
  if (!existsSync(absolute) || !statSync(absolute).isDirectory()) {
    throw new LocalRuntimeError(`there is no cloud assembly at ${absolute}`,
      'run `npx cdk synth` in your CDK app first, or pass the app folder with --app and --synth');
  }
  if (!existsSync(path.join(absolute, 'manifest.json'))) {
    throw new LocalRuntimeError(`${absolute} is not a cloud assembly: it has no manifest.json`,
      'point --assembly at the output folder of `cdk synth` (cdk.out), or at the CDK app folder with --app and --synth');
  }
  return { directory: absolute, stacks: readStacks(absolute) };
}
