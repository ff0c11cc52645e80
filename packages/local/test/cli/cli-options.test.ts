import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CommandLineOwner, parseCliOptions } from '../../src/cli/cli-options';
import { LocalRuntimeError } from '../../src/runtime/local-runtime-error';
import { temporaryDirectory } from '../assembly/tiny-assembly';

let cwd: string;

beforeEach(() => {
  cwd = temporaryDirectory('cli-options-');
  mkdirSync(path.join(cwd, 'data'));
  for (const file of ['a.csv', 'data/b.csv', 'a', 'b']) writeFileSync(path.join(cwd, file), 'x');
});

afterEach(() => rmSync(cwd, { recursive: true, force: true }));

function refusal(argv: string[], owner?: CommandLineOwner): LocalRuntimeError {
  try {
    parseCliOptions(argv, cwd, owner);
  } catch (error) {
    expect(error).toBeInstanceOf(LocalRuntimeError);
    return error as LocalRuntimeError;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('parsing the command line', () => {
  test('run with files and options resolves paths against the working directory', () => {
    const options = parseCliOptions(['run', 'a.csv', 'data/b.csv', '--assembly', 'out', '--state-dir', 'st', '--pipeline', 'Stack/Machine', '--quiet', '--no-docker'], cwd);
    expect(options).toMatchObject({
      command: 'run',
      files: [path.join(cwd, 'a.csv'), path.join(cwd, 'data', 'b.csv')],
      assemblyDirectory: path.join(cwd, 'out'),
      appDirectory: cwd,
      stateDirectory: path.join(cwd, 'st'),
      pipeline: 'Stack/Machine',
      timeScale: 1,
      docker: false,
      quiet: true,
      verbose: false,
    });
  });

  test('with --assembly alone, job commands run in the folder the assembly was synthesized in; --app overrides it', () => {
    // Given an assembly of an app elsewhere (its jobs' local commands have paths relative to that app)
    // When the user names the assembly only, or the assembly and the app
    const alone = parseCliOptions(['run', 'a.csv', '--assembly', 'apps/example/cdk.out'], cwd);
    const withApp = parseCliOptions(['run', 'a.csv', '--assembly', 'apps/example/cdk.out', '--app', 'elsewhere'], cwd);
    // Then the app folder is the assembly's parent, unless --app says otherwise
    expect(alone.appDirectory).toBe(path.join(cwd, 'apps', 'example'));
    expect(withApp.appDirectory).toBe(path.join(cwd, 'elsewhere'));
  });

  test('defaults: ./cdk.out when it holds an assembly, ./.batch-pipeline, Docker detected', () => {
    mkdirSync(path.join(cwd, 'cdk.out'));
    writeFileSync(path.join(cwd, 'cdk.out', 'manifest.json'), '{}');
    const options = parseCliOptions(['watch'], cwd);
    expect(options).toMatchObject({ command: 'watch', files: [], assemblyDirectory: path.join(cwd, 'cdk.out'), stateDirectory: path.join(cwd, '.batch-pipeline'), docker: undefined });
  });

  test('--fast is a time scale of 0.01, --time-scale sets it', () => {
    expect(parseCliOptions(['run', 'a', '--assembly', 'o', '--fast'], cwd).timeScale).toBe(0.01);
    expect(parseCliOptions(['run', 'a', '--assembly', 'o', '--time-scale', '0.5'], cwd).timeScale).toBe(0.5);
    expect(parseCliOptions(['run', 'a', '--assembly', 'o', '--time-scale', '1'], cwd).timeScale).toBe(1);
  });

  test('--key for one file is kept', () => {
    expect(parseCliOptions(['run', 'a', '--assembly', 'o', '--key', 'incoming/x y.csv'], cwd).key).toBe('incoming/x y.csv');
  });

  test('no command, help and --help are the help', () => {
    for (const argv of [[], ['help'], ['--help'], ['run', '-h']]) {
      expect(parseCliOptions(argv, cwd).command).toBe('help');
    }
  });
});

describe('refusing a command line', () => {
  test('an unknown command', () => {
    const error = refusal(['start', 'a.csv']);
    expect(error.message).toBe("unknown command 'start'");
    expect(error.remedy).toContain('batch-pipeline run <file>');
  });

  test('given a mistyped option, then the error names it and the option meant, and points at the command\'s help', () => {
    const error = refusal(['run', 'a.csv', '--fsat']);
    expect(error.message).toBe("unknown option '--fsat'");
    expect(error.remedy).toBe('did you mean --fast? (see `batch-pipeline run --help`)');
    expect(refusal(['watch', '--state-dri', 's']).remedy).toBe('did you mean --state-dir? (see `batch-pipeline watch --help`)');
  });

  test('given serve\'s own options mistyped, then the error names serve\'s option and serve\'s help', () => {
    const serve = { command: 'serve', options: ['port', 'host'] };
    expect(refusal(['watch', '--prot', '1'], serve).remedy).toBe('did you mean --port? (see `batch-pipeline serve --help`)');
    expect(refusal(['watch', '--fsat'], serve).remedy).toBe('did you mean --fast? (see `batch-pipeline serve --help`)');
  });

  test('given an option nothing resembles, or a value missing, then the error says so and points at the help', () => {
    const unknown = refusal(['run', 'a.csv', '--colour']);
    expect([unknown.message, unknown.remedy]).toEqual(["unknown option '--colour'", 'see `batch-pipeline run --help`']);
    const missing = refusal(['run', 'a.csv', '--key']);
    expect(missing.message).toMatch(/^Option '--key <value>' argument missing$/);
    expect(missing.remedy).toBe('see `batch-pipeline run --help`');
  });

  test('run without files', () => {
    expect(refusal(['run', '--assembly', 'o']).message).toBe('`run` needs at least one file to upload');
  });

  test('watch with files', () => {
    expect(refusal(['watch', 'a.csv', '--assembly', 'o']).message).toBe('`watch` takes no files');
  });

  test('--key with several files', () => {
    expect(refusal(['run', 'a', 'b', '--key', 'k', '--assembly', 'o']).message).toContain('--key');
  });

  test.each(['5', '0', '-1', 'abc', '', '1.5'])('--time-scale %j', (value) => {
    const error = refusal(['run', 'a', '--assembly', 'o', `--time-scale=${value}`]);
    expect(error.message).toBe(`--time-scale ${value} is not valid`);
    expect(error.remedy).toContain('above 0 and at most 1');
  });

  test('an unknown option', () => {
    const error = refusal(['run', 'a', '--bogus']);
    expect(error.message).toContain('--bogus');
    expect(error.remedy).toContain('--help');
  });

  test('neither a cloud assembly nor a CDK app in the folder', () => {
    const error = refusal(['run', 'a.csv']);
    expect(error.message).toBe(`there is no cloud assembly in ${cwd} (no cdk.out) and no CDK app (no cdk.json)`);
    expect(error.remedy).toContain('--assembly');
  });

  test('a missing upload is reported before the app is synthesized', () => {
    // given an app whose synthesis would fail loudly
    writeFileSync(path.join(cwd, 'cdk.json'), JSON.stringify({ app: 'node -e "process.exit(7)"' }));

    // then the missing file is what the user hears about
    const error = refusal(['run', 'missing.csv', '--synth']);
    expect(error.message).toBe(`there is no file ${path.join(cwd, 'missing.csv')}`);
  });

  test('--synth in a folder without cdk.json', () => {
    expect(refusal(['run', 'a.csv', '--synth']).message).toContain('has no cdk.json');
  });
});
