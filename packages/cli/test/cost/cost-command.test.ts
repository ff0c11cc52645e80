import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli';
import { capture } from '../fixtures/deployed-stack';

async function cost(args: string[]) {
  const output = capture();
  const code = await main(['cost', ...args], output);
  return { code, text: output.lines.join('\n'), notes: output.notes.join('\n') };
}

/** A cloud assembly of one stack: its manifest (environment) and template. */
function assembly(environment: string, resources: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cost-assembly-'));
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({
    version: '48.0.0',
    artifacts: { App: { type: 'aws:cloudformation:stack', environment, properties: { templateFile: 'App.template.json' } } },
  }));
  writeFileSync(path.join(dir, 'App.template.json'), JSON.stringify({ Resources: resources }));
  return dir;
}

describe('batch-pipeline cost: what a user can get wrong', () => {
  test('given a folder that is no cloud assembly, then cost says to synthesize first', async () => {
    const result = await cost(['--assembly', mkdtempSync(path.join(tmpdir(), 'empty-'))]);
    expect(result.code).toBe(2);
    expect(result.notes).toMatch(/is not a cloud assembly \(no manifest\.json\)\n {2}what to do: run `npx cdk synth` in the app folder first/);
  });

  test('given an empty folder (no cdk.out, no cdk.json) and no option, then cost says what the other commands say of it', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'empty-app-'));
    const before = process.cwd();
    process.chdir(empty);
    try {
      const result = await cost([]);
      expect(result.code).toBe(2);
      expect(result.notes).toContain(`there is no cloud assembly in ${realpathSync(empty)} (no cdk.out) and no CDK app (no cdk.json)`);
      expect(result.notes).toContain('what to do: run in your CDK app folder');
    } finally {
      process.chdir(before);
    }
  });

  test('given runs but no target, then cost says where runs are', async () => {
    const result = await cost(['some-run', '--assembly', assembly('aws://123456789012/us-east-1', {})]);
    expect(result.code).toBe(2);
    expect(result.notes).toContain('what to do: pass --endpoint-url of `batch-pipeline serve` (local runs) or --stack (a deployed stack)');
  });

  test('given an environment-agnostic stack, then cost asks for --price-region, and prices it in that region when given', async () => {
    const dir = assembly('aws://unknown-account/unknown-region', { Key: { Type: 'AWS::KMS::Key', Properties: {} } });
    const refused = await cost(['--assembly', dir]);
    expect(refused.code).toBe(2);
    expect(refused.notes).toContain('the stack App is environment-agnostic: no region to price it in');
    const priced = await cost(['--assembly', dir, '--price-region', 'eu-central-1']);
    expect(priced.code).toBe(0);
    expect(priced.text).toMatch(/App \(eu-central-1\): idle per month\n {2}KMS keys: 1 +1\.00 USD/);
  });

  test.each([['--efs-gb', '-1'], ['--logs-gb', 'lots'], ['--per-month', '0'], ['--trigger-ms', '1.5']])('given %s %s, then cost names the option and what is allowed', async (option, value) => {
    const result = await cost(['--assembly', assembly('aws://123456789012/us-east-1', {}), `${option}=${value}`]);
    expect(result.code).toBe(2);
    expect(result.notes).toContain(`${option} ${value} is not valid`);
  });

  test('given an ALWAYS_ON fleet of 2 and storage kept, then the fleet bills the running rate all month and the storage its GB', async () => {
    const dir = assembly('aws://123456789012/us-east-1', {
      Fleet: { Type: 'AWS::AppStream::Fleet', Properties: { InstanceType: 'stream.standard.medium', FleetType: 'ALWAYS_ON', ComputeCapacity: { DesiredInstances: 2 } } },
      Files: { Type: 'AWS::EFS::FileSystem', Properties: {} },
    });
    const result = await cost(['--assembly', dir, '--efs-gb', '10', '--json']);
    const idle = JSON.parse(result.text).stacks[0].idle;
    expect(idle.lines.map((line: { item: string; usd: number }) => [line.item, Number(line.usd.toFixed(6))])).toEqual([
      ['desktop: 2 x stream.standard.medium ALWAYS_ON', 2 * 730 * 0.10],
      ['EFS file systems: 1, 10 GB kept', 10 * 0.30],
    ]);
  });

  test('given --help, then the usage names every option', async () => {
    const result = await cost(['--help']);
    expect(result.code).toBe(0);
    for (const option of ['--runs', '--per-month', '--price-list', '--price-region', '--assembly', '--efs-gb', '--paid-dashboards', '--trigger-ms']) expect(result.text).toContain(option);
  });
});
