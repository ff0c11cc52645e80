import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pipelineTemplate, temporaryDirectory, TRIGGER_ASSET, writeAssembly } from './tiny-assembly';
import { readCloudAssembly } from '../../src/assembly/cloud-assembly';
import { LocalRuntimeError } from '../../src/runtime/local-runtime-error';

let root: string;

beforeEach(() => {
  root = temporaryDirectory('cloud-assembly-');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function failure(directory: string): LocalRuntimeError {
  try {
    readCloudAssembly(directory);
  } catch (error) {
    expect(error).toBeInstanceOf(LocalRuntimeError);
    return error as LocalRuntimeError;
  }
  throw new Error('expected the assembly to be refused');
}

describe('reading a cloud assembly', () => {
  test('every stack comes with its template, environment and the folders of its file assets', () => {
    // given an assembly with one stack in a concrete environment and one environment-agnostic stack
    const directory = writeAssembly(path.join(root, 'cdk.out'), [
      { id: 'Pipeline', template: pipelineTemplate(), environment: 'aws://123456789012/eu-west-2', fileAssets: [TRIGGER_ASSET] },
      { id: 'Other', template: { Resources: { B: { Type: 'AWS::S3::Bucket' } } }, stackName: 'Other-Stack' },
    ]);

    // when it is read
    const assembly = readCloudAssembly(directory);

    // then both stacks are there, the first with its asset folder under the assembly
    expect(assembly.directory).toBe(directory);
    const [pipeline, other] = assembly.stacks;
    expect(pipeline).toMatchObject({ id: 'Pipeline', stackName: 'Pipeline', region: 'eu-west-2', account: '123456789012', assemblyDirectory: directory });
    expect(pipeline.template.Resources.Trigger.Type).toBe('AWS::Lambda::Function');
    expect(pipeline.fileAssets.get(TRIGGER_ASSET)).toBe(path.join(directory, 'asset.a1b2c3d4e5f6'));
    expect(other).toMatchObject({ id: 'Other', stackName: 'Other-Stack', region: undefined, account: undefined });
    expect(other.fileAssets.size).toBe(0);
  });

  test('stacks of nested stages are read from their own folders, with their own assets', () => {
    // given an app with a stage: the stage's stacks live in a nested assembly
    const directory = path.join(root, 'cdk.out');
    writeAssembly(path.join(directory, 'assembly-Prod'), [{ id: 'ProdPipeline', stackName: 'Prod-Pipeline', template: pipelineTemplate(), fileAssets: [TRIGGER_ASSET] }]);
    writeAssembly(directory, [{ id: 'Top', template: { Resources: {} } }], {
      Prod: { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Prod', displayName: 'Prod' } },
    });

    // when it is read
    const assembly = readCloudAssembly(directory);

    // then the stage's stack is there, its assets relative to the nested assembly
    const nested = assembly.stacks.find((stack) => stack.id === 'ProdPipeline')!;
    expect(nested.stackName).toBe('Prod-Pipeline');
    expect(nested.assemblyDirectory).toBe(path.join(directory, 'assembly-Prod'));
    expect(nested.fileAssets.get(TRIGGER_ASSET)).toBe(path.join(directory, 'assembly-Prod', 'asset.a1b2c3d4e5f6'));
    expect(assembly.stacks.map((stack) => stack.id).sort()).toEqual(['ProdPipeline', 'Top']);
  });

  test('Docker image assets are found by their image tag', () => {
    // given a stack whose asset manifest has a Docker image
    const directory = writeAssembly(path.join(root, 'cdk.out'), [{ id: 'S', template: { Resources: {} }, fileAssets: [TRIGGER_ASSET] }]);
    writeFileSync(path.join(directory, 'S.assets.json'), JSON.stringify({
      version: '53.0.0',
      files: {},
      dockerImages: { abc123: { source: { directory: 'asset.abc123' }, destinations: { d: { repositoryName: 'repo', imageTag: 'abc123' } } } },
    }));

    // then the image tag leads to the folder with the Dockerfile
    expect(readCloudAssembly(directory).stacks[0].imageAssets.get('abc123')).toBe(path.join(directory, 'asset.abc123'));
  });

  test('an assembly without artifacts has no stacks', () => {
    mkdirSync(path.join(root, 'empty'));
    writeFileSync(path.join(root, 'empty', 'manifest.json'), JSON.stringify({ version: '53.0.0' }));
    expect(readCloudAssembly(path.join(root, 'empty')).stacks).toEqual([]);
  });
});

describe('refusing what is not a cloud assembly', () => {
  test('a folder that does not exist', () => {
    const error = failure(path.join(root, 'nothing-here'));
    expect(error.message).toContain('there is no cloud assembly at');
    expect(error.remedy).toContain('cdk synth');
  });

  test('a folder without manifest.json', () => {
    mkdirSync(path.join(root, 'foreign'));
    writeFileSync(path.join(root, 'foreign', 'notes.txt'), 'hello');
    const error = failure(path.join(root, 'foreign'));
    expect(error.message).toBe(`${path.join(root, 'foreign')} is not a cloud assembly: it has no manifest.json`);
    expect(error.remedy).toContain('--assembly');
  });

  test.each([
    ['not JSON', '{ "version": '],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['without a version', '{"artifacts": {}}'],
    ['with artifacts that are null', '{"version": "53.0.0", "artifacts": null}'],
  ])('a manifest.json that is %s', (_what, text) => {
    mkdirSync(path.join(root, 'broken'));
    writeFileSync(path.join(root, 'broken', 'manifest.json'), text);
    const error = failure(path.join(root, 'broken'));
    expect(error.message).toMatch(/manifest/);
    expect(error.remedy).toMatch(/synth|--assembly/);
  });

  test('a stack whose template file is missing', () => {
    const directory = writeAssembly(path.join(root, 'cdk.out'), [{ id: 'Pipeline', template: pipelineTemplate() }]);
    rmSync(path.join(directory, 'Pipeline.template.json'));
    const error = failure(directory);
    expect(error.message).toBe(`cannot read the template of stack Pipeline ${path.join(directory, 'Pipeline.template.json')} (ENOENT)`);
    expect(error.remedy).toContain('synthesize the app again');
  });

  test('a template that is not JSON', () => {
    const directory = writeAssembly(path.join(root, 'cdk.out'), [{ id: 'Pipeline', template: pipelineTemplate() }]);
    writeFileSync(path.join(directory, 'Pipeline.template.json'), '{');
    expect(failure(directory).message).toContain('the template of stack Pipeline');
  });

  test('a stack whose asset manifest is missing', () => {
    const directory = writeAssembly(path.join(root, 'cdk.out'), [{ id: 'Pipeline', template: pipelineTemplate(), fileAssets: [TRIGGER_ASSET] }]);
    rmSync(path.join(directory, 'Pipeline.assets.json'));
    expect(failure(directory).message).toContain('cannot read the asset manifest');
  });
});
