import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli';
import { pipelineTemplate, temporaryDirectory, TRIGGER_ASSET, writeAssembly } from '../assembly/tiny-assembly';

/** The real bundled trigger of the orchestration package (Nx bundles it before this package's tests). */
const TRIGGER_BUNDLE = path.resolve(__dirname, '..', '..', '..', 'orchestration', 'assets', 'trigger', 'start-run.lambda', 'index.js');

let root: string;
let state: string;
let printed: string[];

beforeAll(() => {
  if (!existsSync(TRIGGER_BUNDLE)) throw new Error(`the orchestration bundle ${TRIGGER_BUNDLE} is missing: run \`npx projen bundle\` in packages/orchestration`);
});

beforeEach(() => {
  root = temporaryDirectory('cli-run-');
  state = path.join(root, 'state');
  printed = [];
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/**
 * An app folder with a cloud assembly: a versioned upload bucket whose notification (prefix `drop/`)
 * invokes the real trigger (watching `drop/`, skipping empty uploads), which starts a state machine
 * that waits `waitSeconds` and succeeds.
 */
function pipelineApp(waitSeconds = 0): string {
  const template = pipelineTemplate({ prefix: 'drop/' });
  template.Resources.Trigger.Properties.Environment.Variables = {
    STATE_MACHINE_ARN: { Ref: 'StateMachine' }, WATCH_PREFIX: 'drop/', WATCH_SUFFIXES: '[]', ZERO_BYTE_OBJECTS: 'SKIP',
  };
  const definition = { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: waitSeconds, Next: 'Done' }, Done: { Type: 'Pass', End: true } } };
  template.Resources.StateMachine.Properties.DefinitionString = JSON.stringify(definition);
  const assembly = writeAssembly(path.join(root, 'app', 'cdk.out'), [{ id: 'Pipeline', template, fileAssets: [TRIGGER_ASSET] }]);
  const [assetFolder] = readdirSync(assembly).filter((name) => name.startsWith('asset.'));
  writeFileSync(path.join(assembly, assetFolder, 'index.js'), `module.exports = require(${JSON.stringify(TRIGGER_BUNDLE)});\n`);
  return assembly;
}

function file(name: string, content: string): string {
  const written = path.join(root, name);
  writeFileSync(written, content);
  return written;
}

async function cli(...argv: string[]): Promise<{ code: number; output: string }> {
  const code = await main(argv, (line) => printed.push(line));
  return { code, output: printed.join('\n') };
}

describe('uploads S3 takes, and what the trigger decides of them', () => {
  test('a file under the watched prefix runs and exits 0', async () => {
    const result = await cli('run', file('a.csv', 'a,b\n'), '--assembly', pipelineApp(), '--state-dir', state, '--quiet');
    expect(result.output).toMatch(/: SUCCEEDED in /);
    expect(result.code).toBe(0);
  });

  test.each([
    ['an empty segment', 'drop//x.txt'],
    ['a 256-byte segment', `drop/${'s'.repeat(252)}.txt`],
  ])('a key with %s is uploaded as S3 takes it; the trigger refuses it; the CLI says why and exits 4', async (_what, key) => {
    // when a key S3 accepts but EFS cannot hold is uploaded
    const result = await cli('run', file('x.txt', 'data\n'), '--key', key, '--assembly', pipelineApp(), '--state-dir', state, '--quiet');
    // then it is in the bucket, no run started, and the CLI says why, without a stack trace
    expect(result.output).toContain(`uploaded ${path.relative(process.cwd(), path.join(root, 'x.txt'))} to s3://`);
    expect(result.output).toContain('no run started for s3://');
    expect(result.output).toContain('the key cannot be staged on EFS');
    expect(result.output).not.toMatch(/NotImplemented|\n\s+at /);
    expect(result.code).toBe(4);
  });

  test('an empty file: the trigger skips it, the CLI says so and exits 4 (not the failed-run code)', async () => {
    const result = await cli('run', file('empty.csv', ''), '--assembly', pipelineApp(), '--state-dir', state, '--quiet');
    expect(result.output).toContain('the file is empty, and the trigger skips empty uploads');
    expect(result.code).toBe(4);
  });

  test('--key /drop/x.txt (a leading slash) is outside the notification\'s prefix: checked before uploading, nothing is uploaded, exit 4', async () => {
    const result = await cli('run', file('x.txt', 'data\n'), '--key', '/drop/x.txt', '--assembly', pipelineApp(), '--state-dir', state, '--quiet');
    expect(result.output).toContain('would start no run: the key is outside the watched prefix \'drop/\'');
    expect(result.output).not.toMatch(/^uploaded /m);
    expect(readdirSync(path.join(state, 'buckets', readdirSync(path.join(state, 'buckets'))[0])).filter((name) => name !== '.s3')).toEqual([]);
    expect(result.code).toBe(4);
  });

  test.each([
    ['drop/../x.txt', 'drop/../x.txt', /S3 refuses a key with a '\.\.' segment \(400 Bad Request\)/],
    ['of 1,025 bytes', `drop/${'k'.repeat(1020)}`, /S3 refuses it with KeyTooLongError: it is 1025 bytes of UTF-8, and a key has at most 1024/],
  ])('--key %s, which S3 refuses, is a mistake (exit 2) named before anything starts', async (_what, key, message) => {
    const result = await cli('run', file('x.txt', 'data\n'), '--key', key, '--assembly', pipelineApp(), '--state-dir', state);
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/^batch-pipeline: --key '/);
    expect(result.output).toMatch(message);
    expect(result.output).toContain('what to do: use a key of at most 1024 bytes of UTF-8 without a \'..\' segment');
    expect(existsSync(state)).toBe(false);
  });
});

describe('a state directory that stops taking writes during a run', () => {
  test.each([
    ['removed', (directory: string) => rmSync(directory, { recursive: true, force: true }), /was removed while the runtime used it/],
    ['with a file in place of its runs folder', (directory: string) => {
      rmSync(path.join(directory, 'runs'), { recursive: true, force: true });
      writeFileSync(path.join(directory, 'runs'), 'not a folder');
    }, /had a folder replaced by a file while the runtime used it \(ENOTDIR at .*runs\)/],
    ['with its runs folder unwritable', (directory: string) => {
      const runs = path.join(directory, 'runs');
      rmSync(runs, { recursive: true, force: true });
      // chmod does not stop root; /sys is a folder nobody may write in, root included (EACCES).
      if (process.getuid?.() === 0) {
        symlinkSync('/sys', runs);
      } else {
        mkdirSync(runs);
        chmodSync(runs, 0o500);
      }
    }, /is no longer writable \(EACCES at .*runs\); what the runs wrote before is still there/],
  ])('%s: exit 2 with what to do, no stack trace', async (_what, breakIt, message) => {
    // given a run that waits a second in its state machine
    const assembly = pipelineApp(1);
    let broken = false;
    const code = await main(['run', file('a.csv', 'a,b\n'), '--assembly', assembly, '--state-dir', state], (line) => {
      printed.push(line);
      // when the state directory is broken while the run waits
      if (!broken && line.endsWith('  Wait')) {
        broken = true;
        breakIt(state);
      }
    });
    // then the CLI ends with exit 2, names the state directory and says what to do
    const output = printed.join('\n');
    expect(broken).toBe(true);
    expect(code).toBe(2);
    expect(output).toContain(`batch-pipeline: the state directory ${state} `);
    expect(output).toMatch(message);
    expect(output).toMatch(/what to do: .+then run again/);
    expect(output).not.toMatch(/\n\s+at /);
    // and the upload is where it was
    expect(existsSync(path.join(root, 'a.csv'))).toBe(true);
  });
});

describe('an assembly older than the app', () => {
  /** An app folder with its cdk.out and a lib/stack.ts changed `sourceAgeMs` after (or, negative, before) the assembly was written. */
  function appWithSource(sourceAgeMs: number): string {
    const assembly = pipelineApp();
    const app = path.dirname(assembly);
    mkdirSync(path.join(app, 'lib'));
    const source = path.join(app, 'lib', 'stack.ts');
    writeFileSync(source, 'export const prefix = "incoming/";\n');
    const now = Date.now();
    const [synthesized, changed] = sourceAgeMs > 0 ? [now - sourceAgeMs, now] : [now, now + sourceAgeMs];
    utimesSync(path.join(assembly, 'manifest.json'), new Date(synthesized), new Date(synthesized));
    utimesSync(source, new Date(changed), new Date(changed));
    return app;
  }

  test('a source changed after cdk.out was synthesized: a warning that says to pass --synth', async () => {
    // given an app whose lib/stack.ts changed a minute after its cdk.out was written
    const app = appWithSource(60_000);

    // when the CLI runs in the app folder's assembly
    const result = await cli('run', file('a.csv', 'a,b\n'), '--app', app, '--state-dir', state, '--quiet');

    // then it warns, naming the source and what to do, and still runs
    expect(result.output).toMatch(/^warning: .*cdk\.out was synthesized .* before .*lib\/stack\.ts changed .*: this run uses the old assembly .*pass --synth/);
    expect(result.code).toBe(0);
  });

  test('no warning when the assembly is newer than every source', async () => {
    const result = await cli('run', file('a.csv', 'a,b\n'), '--app', appWithSource(-60_000), '--state-dir', state, '--quiet');
    expect(result.output).not.toContain('warning:');
    expect(result.code).toBe(0);
  });
});
