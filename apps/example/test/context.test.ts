import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { contextFromArgs, readExampleContext } from '../src/context';

function read(context: Record<string, unknown>) {
  return readExampleContext(new App({ context }).node);
}

describe('the example context', () => {
  test('is empty without context values: the stack keeps its defaults', () => {
    expect(read({})).toEqual({ egress: undefined, staging: undefined, desktopImage: undefined, desktopS3PrefixListId: undefined });
  });

  test('switches the egress mode, the staging strategy and the desktop', () => {
    // Given the values as `-c egress=VPC_ENDPOINTS -c staging=DIRECT -c desktopImage=qc-desktop-2026-11` passes them
    const context = read({ egress: 'VPC_ENDPOINTS', staging: 'DIRECT', desktopImage: 'qc-desktop-2026-11', desktopS3PrefixListId: 'pl-7ca54015' });
    // Then they are the stack's props
    expect(context).toEqual({
      egress: EgressMode.VPC_ENDPOINTS,
      staging: StagingStrategy.DIRECT,
      desktopImage: 'qc-desktop-2026-11',
      desktopS3PrefixListId: 'pl-7ca54015',
    });
  });

  test.each(Object.values(EgressMode))('accepts egress %s', (egress) => {
    expect(read({ egress }).egress).toBe(egress);
  });

  test.each(Object.values(StagingStrategy))('accepts staging %s', (staging) => {
    expect(read({ staging }).staging).toBe(staging);
  });

  test('fails on an unknown egress mode, naming the key, the value and the modes', () => {
    expect(() => read({ egress: 'NAT' }))
      .toThrow("Context 'egress' NAT is not valid; allowed: NAT_GATEWAY, VPC_ENDPOINTS, PUBLIC_SUBNETS (default PUBLIC_SUBNETS)");
  });

  test('fails on a lower-case egress mode', () => {
    expect(() => read({ egress: 'nat_gateway' })).toThrow("Context 'egress' nat_gateway is not valid; allowed: NAT_GATEWAY");
  });

  test('fails on an unknown staging strategy, naming the key, the value and the strategies', () => {
    expect(() => read({ staging: 'S3' }))
      .toThrow("Context 'staging' S3 is not valid; allowed: AUTO, DIRECT, DATASYNC (default AUTO)");
  });

  test('fails on a desktop image that is no AppStream 2.0 image name', () => {
    expect(() => read({ desktopImage: 'my image' }))
      .toThrow("Context 'desktopImage' my image is not valid; allowed: the name of an AppStream 2.0 image (1-101 letters, digits, '_', '.' and '-', starting with a letter or digit)");
  });

  test('fails on an empty desktop image (leave the key out for no desktop)', () => {
    expect(() => read({ desktopImage: '' })).toThrow(/^Context 'desktopImage' "" is not valid; allowed: .*leave the key out for no desktop$/);
  });

  test('fails on a value that is not a string, as cdk.json could give', () => {
    expect(() => read({ egress: true })).toThrow("Context 'egress' true is not valid; allowed: NAT_GATEWAY, VPC_ENDPOINTS, PUBLIC_SUBNETS");
  });

  test('fails on a prefix list id that is not one, or without a desktop', () => {
    expect(() => read({ desktopImage: 'qc', desktopS3PrefixListId: 'com.amazonaws.eu-west-2.s3' }))
      .toThrow("Context 'desktopS3PrefixListId' com.amazonaws.eu-west-2.s3 is not valid; allowed: a prefix list id such as pl-7ca54015");
    expect(() => read({ desktopS3PrefixListId: 'pl-7ca54015' }))
      .toThrow("Context 'desktopS3PrefixListId' pl-7ca54015 is only used with 'desktopImage'; allowed: give 'desktopImage' too, or leave 'desktopS3PrefixListId' out");
  });
});

describe('context on the command line without the CDK CLI', () => {
  test('reads -c, --context and --context= pairs', () => {
    expect(contextFromArgs(['-c', 'egress=VPC_ENDPOINTS', '--context', 'staging=DIRECT', '--context=desktopImage=qc=1', 'other']))
      .toEqual({ egress: 'VPC_ENDPOINTS', staging: 'DIRECT', desktopImage: 'qc=1' });
  });

  test('fails on a pair without a key', () => {
    expect(() => contextFromArgs(['-c', 'VPC_ENDPOINTS']))
      .toThrow("Context argument 'VPC_ENDPOINTS' is not valid; allowed: key=value, for example -c egress=VPC_ENDPOINTS");
  });
});

describe('src/main.ts', () => {
  const appDir = path.join(__dirname, '..');
  let outdir: string;
  beforeEach(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'example-main-'));
  });
  afterEach(() => {
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  /** Runs the app as the CDK CLI does: context in CDK_CONTEXT_JSON, the output directory in CDK_OUTDIR. */
  function runMain(context: Record<string, unknown>, args: string[] = []) {
    const result = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', 'src/main.ts', ...args], {
      cwd: appDir,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
      encoding: 'utf-8',
      timeout: 120_000,
    });
    const templateFile = path.join(outdir, 'BatchPipelineExample.template.json');
    const template = fs.existsSync(templateFile) ? JSON.parse(fs.readFileSync(templateFile, 'utf-8')) : undefined;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, template };
  }

  const types = (template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }) =>
    Object.values(template.Resources).map((resource) => resource.Type);

  test('reads the context: egress, staging and the desktop switch the stack', () => {
    const { status, stderr, stdout, template } = runMain({ egress: 'NAT_GATEWAY', staging: 'DIRECT', desktopImage: 'qc-desktop-2026-11' });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/BatchPipelineExample: .*\d+ resources/);
    expect(types(template)).toContain('AWS::EC2::NatGateway');
    expect(types(template)).toContain('AWS::AppStream::Fleet');
    expect(types(template)).not.toContain('AWS::DataSync::Task');
  }, 120_000);

  test('reads -c pairs of its own command line', () => {
    const { status, template } = runMain({}, ['-c', 'egress=VPC_ENDPOINTS']);
    expect(status).toBe(0);
    expect(types(template)).not.toContain('AWS::EC2::InternetGateway');
  }, 120_000);

  test('fails with the context error and writes no template', () => {
    const { status, stderr, template } = runMain({ staging: 'FAST' });
    expect(status).not.toBe(0);
    expect(stderr).toContain("Context 'staging' FAST is not valid; allowed: AUTO, DIRECT, DATASYNC (default AUTO)");
    expect(template).toBeUndefined();
  }, 120_000);
});
