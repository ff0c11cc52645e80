import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { temporaryDirectory } from './tiny-assembly';
import { synthesizeApp } from '../../src/assembly/synthesize-app';
import { LocalRuntimeError } from '../../src/runtime/local-runtime-error';

let app: string;

beforeEach(() => {
  app = temporaryDirectory('synthesize-app-');
});

afterEach(() => rmSync(app, { recursive: true, force: true }));

/** An "app" that writes a manifest into CDK_OUTDIR and records the context it was given, as `new App()` would read it. */
const FAKE_APP = `
const fs = require('node:fs');
const path = require('node:path');
const out = process.env.CDK_OUTDIR;
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ version: '53.0.0', artifacts: {} }));
fs.writeFileSync(path.join(out, 'context.json'), process.env.CDK_CONTEXT_JSON ?? 'none');
`;

function cdkJson(settings: Record<string, unknown>): void {
  writeFileSync(path.join(app, 'cdk.json'), JSON.stringify(settings));
}

function refusal(outputDirectory?: string): LocalRuntimeError {
  try {
    synthesizeApp(app, outputDirectory);
  } catch (error) {
    expect(error).toBeInstanceOf(LocalRuntimeError);
    return error as LocalRuntimeError;
  }
  throw new Error('expected synthesis to fail');
}

describe('synthesizing an app', () => {
  test('runs the cdk.json app command with CDK_OUTDIR and returns the assembly folder', () => {
    // given an app whose cdk.json names its command and output folder
    writeFileSync(path.join(app, 'app.js'), FAKE_APP);
    cdkJson({ app: 'node app.js', output: 'out' });

    // when it is synthesized
    const output = synthesizeApp(app);

    // then the assembly is where cdk.json said
    expect(output).toBe(path.join(app, 'out'));
    expect(JSON.parse(readFileSync(path.join(output, 'manifest.json'), 'utf-8')).version).toBe('53.0.0');
  });

  test('an explicit output folder wins over cdk.json; cdk.out is the default', () => {
    writeFileSync(path.join(app, 'app.js'), FAKE_APP);
    cdkJson({ app: 'node app.js' });
    expect(synthesizeApp(app)).toBe(path.join(app, 'cdk.out'));
    expect(synthesizeApp(app, path.join(app, 'elsewhere'))).toBe(path.join(app, 'elsewhere'));
  });

  test('the app gets the context the CDK CLI would give it: cdk.json context, cdk.context.json over it', () => {
    // given feature flags in cdk.json and a cached lookup in cdk.context.json
    writeFileSync(path.join(app, 'app.js'), FAKE_APP);
    cdkJson({ app: 'node app.js', context: { '@aws-cdk/aws-s3:flag': true, 'shared': 'from cdk.json' } });
    writeFileSync(path.join(app, 'cdk.context.json'), JSON.stringify({ 'shared': 'from cdk.context.json', 'availability-zones:123:eu-west-2': ['a'] }));

    // when it is synthesized
    const output = synthesizeApp(app);

    // then the app saw both, the cache winning
    expect(JSON.parse(readFileSync(path.join(output, 'context.json'), 'utf-8'))).toEqual({
      '@aws-cdk/aws-s3:flag': true,
      'shared': 'from cdk.context.json',
      'availability-zones:123:eu-west-2': ['a'],
    });
  });

  test('a lot of output from the app does not break synthesis', () => {
    writeFileSync(path.join(app, 'app.js'), `${FAKE_APP}\nprocess.stdout.write('x'.repeat(3 * 1024 * 1024));`);
    cdkJson({ app: 'node app.js' });
    expect(synthesizeApp(app)).toBe(path.join(app, 'cdk.out'));
  });
});

describe('refusing to synthesize', () => {
  test('a folder without cdk.json', () => {
    const error = refusal();
    expect(error.message).toBe(`${app} has no cdk.json, so there is no app command to synthesize`);
    expect(error.remedy).toContain('--app');
  });

  test('a cdk.json that is not JSON', () => {
    writeFileSync(path.join(app, 'cdk.json'), '{ "app": ');
    expect(refusal().message).toContain('cdk.json is not valid JSON');
  });

  test('a cdk.json without an app command', () => {
    cdkJson({ output: 'cdk.out' });
    const error = refusal();
    expect(error.message).toContain('has no "app" command');
    expect(error.remedy).toContain('"app"');
  });

  test('an app that fails shows the end of what it printed', () => {
    writeFileSync(path.join(app, 'app.js'), "console.error('ValidationError: the bucket needs a name'); process.exit(1);");
    cdkJson({ app: 'node app.js' });
    const error = refusal();
    expect(error.message).toContain('`node app.js` exited with 1');
    expect(error.message).toContain('ValidationError: the bucket needs a name');
    expect(error.remedy).toContain('npx cdk synth');
  });
});
