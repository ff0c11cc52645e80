import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The Python and Java smoke apps (test/python-app, test/java-app) synthesize the example pipeline
 * from the jsii-built artifacts; this compares their cloud assemblies with the TypeScript
 * example's (`apps/example/cdk.out`, written by its `synth`, which Nx runs before this build).
 * A consumer in another language must get the same pipeline: the same resources, the same
 * state machine, and the same pre-bundled function code, byte for byte.
 */

const STACK = 'BatchPipelineExample';
const TYPESCRIPT = path.join(__dirname, '..', '..', 'apps', 'example', 'cdk.out');
const SMOKE_APPS = [
  { language: 'Python', outdir: path.join(__dirname, '..', 'dist', 'python-cdk.out'), task: 'smoke:python' },
  { language: 'Java', outdir: path.join(__dirname, '..', 'dist', 'java-cdk.out'), task: 'smoke:java' },
];

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
}
interface Template {
  readonly Resources: Record<string, Resource>;
  readonly Outputs?: Record<string, unknown>;
}

function readAssembly(outdir: string, howToMake: string): { template: Template; assets: any; manifest: any } {
  const templateFile = path.join(outdir, `${STACK}.template.json`);
  if (!existsSync(templateFile)) {
    throw new Error(`${templateFile} does not exist; ${howToMake}`);
  }
  return {
    template: JSON.parse(readFileSync(templateFile, 'utf8')),
    assets: JSON.parse(readFileSync(path.join(outdir, `${STACK}.assets.json`), 'utf8')),
    manifest: JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')),
  };
}

function resourceCounts(template: Template): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of Object.values(template.Resources)) {
    counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function resourcesOfType(template: Template, type: string): Record<string, Resource> {
  return Object.fromEntries(Object.entries(template.Resources).filter(([, resource]) => resource.Type === type));
}

/** Every file under `dir` (relative path) with the SHA-256 of its content. */
function fileDigests(dir: string): Record<string, string> {
  const digests: Record<string, string> = {};
  const walk = (current: string): void => {
    for (const entry of readdirSync(current).sort()) {
      const full = path.join(current, entry);
      if (statSync(full).isDirectory()) {
        walk(full);
      } else {
        digests[path.relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
      }
    }
  };
  walk(dir);
  return digests;
}

/** The code asset of each Lambda function: logical id -> the S3 key (the asset hash) it deploys. */
function functionCodeKeys(template: Template): Record<string, unknown> {
  return Object.fromEntries(Object.entries(resourcesOfType(template, 'AWS::Lambda::Function'))
    .map(([id, resource]) => [id, resource.Properties?.Code?.S3Key ?? resource.Properties?.Code]));
}

const typescript = readAssembly(TYPESCRIPT, "run 'npx projen synth' in apps/example (Nx runs it before this build)");

describe.each(SMOKE_APPS)('the example pipeline synthesized from $language', ({ outdir, task }) => {
  const smoke = readAssembly(outdir, `run 'npx projen ${task}' in polyglot/ (after 'npx projen package:polyglot')`);

  test('has the resource types and counts of the TypeScript example', () => {
    // GIVEN the TypeScript example's template WHEN the smoke app synthesized the same stack
    // THEN it creates as many resources of each type
    expect(resourceCounts(smoke.template)).toEqual(resourceCounts(typescript.template));
    expect(Object.keys(smoke.template.Resources).sort()).toEqual(Object.keys(typescript.template.Resources).sort());
  });

  test('has the state machine definition of the TypeScript example', () => {
    const expected = resourcesOfType(typescript.template, 'AWS::StepFunctions::StateMachine');
    const actual = resourcesOfType(smoke.template, 'AWS::StepFunctions::StateMachine');
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    for (const [id, stateMachine] of Object.entries(expected)) {
      expect(actual[id].Properties?.DefinitionString).toEqual(stateMachine.Properties?.DefinitionString);
    }
  });

  test('deploys the same bundled function code (same asset hashes)', () => {
    const expected = functionCodeKeys(typescript.template);
    // The pipeline's own functions (trigger, workspace) are bundled by esbuild when their package
    // is built; the same hash means the smoke app took the bundle shipped in the package.
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(2);
    expect(functionCodeKeys(smoke.template)).toEqual(expected);
    expect(Object.keys(smoke.assets.files).sort()).toEqual(Object.keys(typescript.assets.files).sort());
    expect(Object.keys(smoke.assets.dockerImages ?? {}).sort()).toEqual(Object.keys(typescript.assets.dockerImages ?? {}).sort());
  });

  test('ships the same files, byte for byte, in every asset', () => {
    const assetDirs = readdirSync(TYPESCRIPT).filter((entry) => entry.startsWith('asset.') && statSync(path.join(TYPESCRIPT, entry)).isDirectory());
    expect(assetDirs.length).toBeGreaterThan(0);
    for (const dir of assetDirs) {
      expect({ dir, files: fileDigests(path.join(outdir, dir)) }).toEqual({ dir, files: fileDigests(path.join(TYPESCRIPT, dir)) });
    }
  });

  test('synthesizes exactly the TypeScript template, outputs included', () => {
    expect(smoke.template).toEqual(typescript.template);
    // The same template hash: the deployed stack would be the same.
    const stackUrl = (manifest: any) => manifest.artifacts[STACK].properties.stackTemplateAssetObjectUrl;
    expect(stackUrl(smoke.manifest)).toEqual(stackUrl(typescript.manifest));
  });
});
