import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli';
import { pipelineTemplate, temporaryDirectory, TRIGGER_ASSET, writeAssembly } from '../assembly/tiny-assembly';

let root: string;
let printed: string[];
let upload: string;

beforeEach(() => {
  root = temporaryDirectory('cli-bad-input-');
  printed = [];
  upload = path.join(root, 'sample.csv');
  writeFileSync(upload, 'a,b\n1,2\n');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Runs the CLI and returns its exit code and what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; output: string }> {
  const code = await main(argv, (line) => printed.push(line));
  return { code, output: printed.join('\n') };
}

function pipelineAssembly(resources: Record<string, any> = {}): string {
  return writeAssembly(path.join(root, 'cdk.out'), [{ id: 'Pipeline', template: pipelineTemplate({ resources }), fileAssets: [TRIGGER_ASSET] }]);
}

/** A user mistake: exit code 2, the message and what to do. */
function expectMistake(result: { code: number; output: string }, message: string | RegExp, remedy: string | RegExp): void {
  expect(result.code).toBe(2);
  expect(result.output).toMatch(/^batch-pipeline: /);
  expect(result.output).toMatch(typeof message === 'string' ? new RegExp(escape(message)) : message);
  expect(result.output).toMatch(/\n {2}what to do: /);
  expect(result.output.split('what to do: ')[1]).toMatch(typeof remedy === 'string' ? new RegExp(escape(remedy)) : remedy);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the command line itself', () => {
  test('an unknown command', async () => {
    expectMistake(await cli('start', upload), "unknown command 'start'", 'batch-pipeline run <file>');
  });

  test('run without files', async () => {
    expectMistake(await cli('run', '--assembly', pipelineAssembly()), '`run` needs at least one file to upload', 'batch-pipeline run samples/');
  });

  test('--time-scale 5', async () => {
    expectMistake(await cli('run', upload, '--assembly', pipelineAssembly(), '--time-scale', '5'), '--time-scale 5 is not valid', 'above 0 and at most 1');
  });

  test('an unknown option', async () => {
    expectMistake(await cli('run', upload, '--bogus'), '--bogus', '--help');
  });

  test('--help prints the usage and exits 0', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    expect(result.output).toContain('Usage: batch-pipeline <command> [options]');
  });
});

describe('the files to upload', () => {
  test('a missing file', async () => {
    const missing = path.join(root, 'nope.csv');
    expectMistake(await cli('run', missing, '--assembly', pipelineAssembly(), '--state-dir', path.join(root, 'state')), `there is no file ${missing}`, 'readable file');
  });

  test('an unreadable file (as root, who reads anything, a folder proves the "not a file" path)', async () => {
    const state = path.join(root, 'state');
    if (process.getuid?.() === 0) {
      const folder = path.join(root, 'a-folder');
      mkdirSync(folder);
      expectMistake(await cli('run', folder, '--assembly', pipelineAssembly(), '--state-dir', state), `${folder} is not a file`, 'pass a file');
    } else {
      chmodSync(upload, 0o000);
      try {
        expectMistake(await cli('run', upload, '--assembly', pipelineAssembly(), '--state-dir', state), `cannot read ${upload} (EACCES)`, 'readable file');
      } finally {
        chmodSync(upload, 0o600);
      }
    }
    // nothing was started: no state directory was made
    expect(existsSync(state)).toBe(false);
  });

  test('a folder is not a file', async () => {
    const folder = path.join(root, 'folder');
    mkdirSync(folder);
    expectMistake(await cli('run', folder, '--assembly', pipelineAssembly()), `${folder} is not a file`, 'to upload a folder, pass its files');
  });
});

describe('the cloud assembly', () => {
  test('a folder that does not exist', async () => {
    expectMistake(await cli('run', upload, '--assembly', path.join(root, 'missing'), '--state-dir', path.join(root, 'state')), 'there is no cloud assembly at', 'cdk synth');
  });

  test('a foreign folder without manifest.json', async () => {
    const foreign = path.join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, 'index.html'), '<html></html>');
    expectMistake(await cli('run', upload, '--assembly', foreign, '--state-dir', path.join(root, 'state')), `${foreign} is not a cloud assembly: it has no manifest.json`, '--assembly');
  });

  test('a manifest.json that is not JSON', async () => {
    const broken = path.join(root, 'broken');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'manifest.json'), '{"version": "53.0.0", "artifacts": {');
    expectMistake(await cli('run', upload, '--assembly', broken, '--state-dir', path.join(root, 'state')), /the cloud assembly manifest .*manifest\.json is not valid JSON/, 'synthesize the app again');
  });

  test('a template file that is missing', async () => {
    const directory = pipelineAssembly();
    rmSync(path.join(directory, 'Pipeline.template.json'));
    expectMistake(await cli('run', upload, '--assembly', directory, '--state-dir', path.join(root, 'state')),
      /cannot read the template of stack Pipeline .*Pipeline\.template\.json \(ENOENT\)/, 'synthesize the app again');
  });

  test('an assembly without a pipeline: a stack with a bucket and no state machine', async () => {
    const directory = writeAssembly(path.join(root, 'cdk.out'), [{ id: 'Storage', template: { Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } } }]);
    expectMistake(await cli('run', upload, '--assembly', directory, '--state-dir', path.join(root, 'state')),
      /has no pipeline: .*\(stacks: Storage\)/, 'BatchPipeline');
  });

  test('a template value the runtime cannot resolve (an import in the trigger\'s environment)', async () => {
    const template = pipelineTemplate();
    template.Resources.Trigger.Properties.Environment.Variables.SHARED = { 'Fn::ImportValue': 'SharedTopicArn' };
    const directory = writeAssembly(path.join(root, 'cdk.out'), [{ id: 'Pipeline', template, fileAssets: [TRIGGER_ASSET] }]);
    expectMistake(await cli('run', upload, '--assembly', directory, '--state-dir', path.join(root, 'state')),
      'Pipeline/Trigger Environment: Fn::ImportValue is not something the local runtime resolves', 'without imports or conditions');
  });

  test('several pipelines without --pipeline', async () => {
    const directory = writeAssembly(path.join(root, 'cdk.out'), [
      { id: 'Dev', template: pipelineTemplate(), fileAssets: [TRIGGER_ASSET] },
      { id: 'Prod', template: pipelineTemplate(), fileAssets: [TRIGGER_ASSET] },
    ]);
    expectMistake(await cli('run', upload, '--assembly', directory, '--state-dir', path.join(root, 'state')), 'the cloud assembly has 2 pipelines', '--pipeline <stack name>');
  });
});

describe('synthesizing the app first', () => {
  test('an app whose synthesis fails shows what it printed', async () => {
    const app = path.join(root, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'node -e "console.error(\'Error: the stack needs a VPC\'); process.exit(1)"' }));
    expectMistake(await cli('run', upload, '--app', app, '--synth', '--state-dir', path.join(root, 'state')), /exited with 1\):\nError: the stack needs a VPC/, 'npx cdk synth');
  });

  test('an app that synthesizes no pipeline', async () => {
    // given an app whose command writes an assembly with only a bucket
    const app = path.join(root, 'app');
    mkdirSync(app);
    const script = path.join(app, 'app.js');
    writeFileSync(script, `
      const fs = require('node:fs'); const path = require('node:path');
      const out = process.env.CDK_OUTDIR; fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, 'Storage.template.json'), JSON.stringify({ Resources: { B: { Type: 'AWS::S3::Bucket' } } }));
      fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ version: '53.0.0', artifacts: { Storage: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'Storage.template.json' } } } }));
    `);
    writeFileSync(path.join(app, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
    expectMistake(await cli('run', upload, '--app', app, '--synth', '--state-dir', path.join(root, 'state')), /has no pipeline.*\(stacks: Storage\)/, '--assembly');
  });
});

describe('what the runtime needs', () => {
  test('a job with neither Docker nor a local command', async () => {
    // given a job definition with an image but no local command, and Docker turned off
    const directory = pipelineAssembly({
      Job: { Type: 'AWS::Batch::JobDefinition', Properties: { Type: 'container', JobDefinitionName: 'process', ContainerProperties: { Image: 'public.ecr.aws/docker/library/busybox:latest', Command: ['true'] } } },
    });
    const state = path.join(root, 'state');

    // then the CLI names the job definition and says what to do, before anything starts
    expectMistake(await cli('run', upload, '--assembly', directory, '--state-dir', state, '--no-docker'),
      "the job definition 'process' cannot run on this machine: no Docker engine answers and it declares no local command", /start Docker.*localCommand/);
    expect(existsSync(state)).toBe(false);
  });

  test('a job whose localCommand names a script that does not exist, or is a string', async () => {
    // given a job definition whose local command runs a script the app folder does not hold
    const job = (localCommand: unknown) => pipelineAssembly({
      Job: {
        Type: 'AWS::Batch::JobDefinition',
        Properties: { Type: 'container', JobDefinitionName: 'process', ContainerProperties: { Image: 'public.ecr.aws/docker/library/busybox:latest' } },
        Metadata: { 'batch-pipeline:localRun': { localCommand } },
      },
    });
    const state = path.join(root, 'state');

    // then the CLI names the job definition, the prop and the script, and says what to do, before any run starts
    expectMistake(await cli('run', upload, '--assembly', job(['node', 'job/missing.mjs']), '--app', root, '--state-dir', state, '--no-docker'),
      `the job definition 'process' (its BatchProcessor's \`localCommand\`) runs the script 'job/missing.mjs', which does not exist in the app folder ${root}`, /fix the BatchProcessor's `localCommand`.*--app/);
    expect(existsSync(state)).toBe(false);
    printed = [];
    expectMistake(await cli('run', upload, '--assembly', job('node job/report.mjs'), '--app', root, '--state-dir', state, '--no-docker'),
      'is "node job/report.mjs", not an argument list of non-empty strings', /argument list such as \['node', 'job\/report.mjs'\]/);
  });

  test('a state directory that is not writable (a path under a regular file)', async () => {
    const file = path.join(root, 'file');
    writeFileSync(file, 'a regular file');
    const state = path.join(file, '.state');
    expectMistake(await cli('run', upload, '--assembly', pipelineAssembly(), '--state-dir', state), `the state directory ${state} is not writable`, '--state-dir');
  });

  test('a refused run leaves the assembly and the upload as they were', async () => {
    const directory = pipelineAssembly();
    const before = readdirSync(directory).sort();
    await cli('run', upload, '--assembly', directory, '--state-dir', path.join(root, 'file-that-is-not', '.state'), '--time-scale', '5');
    expect(readdirSync(directory).sort()).toEqual(before);
    expect(existsSync(upload)).toBe(true);
  });
});
