// Synthesizes every variant of the example app into cdk.out/<variant>/, each one exactly as
// `npx ts-node --prefer-ts-exts src/main.ts -c key=value` in apps/example writes it (its `synth`
// task is the default variant). ts-node only transpiles: the example's build type-checks it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const exampleDir = dirname(require.resolve('@batch-pipeline/example/package.json'));
const tsNode = createRequire(join(exampleDir, 'package.json')).resolve('ts-node/dist/bin.js');

/**
 * The context switches of apps/example/src/context.ts. Every egress mode and every staging
 * strategy once, and the desktop (its S3 prefix list id given, so nothing is looked up).
 */
export const VARIANTS = {
  'default': {},
  'nat-gateway': { egress: 'NAT_GATEWAY' },
  'vpc-endpoints': { egress: 'VPC_ENDPOINTS' },
  'direct-staging': { staging: 'DIRECT' },
  'datasync-staging': { staging: 'DATASYNC' },
  'desktop': { desktopImage: 'qc-desktop', desktopS3PrefixListId: 'pl-7ca54015' },
};

const outRoot = join(here, 'cdk.out');
rmSync(outRoot, { recursive: true, force: true });
for (const [name, context] of Object.entries(VARIANTS)) {
  const outdir = join(outRoot, name);
  mkdirSync(outdir, { recursive: true });
  const args = Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsNode, '--prefer-ts-exts', 'src/main.ts', ...args], {
    cwd: exampleDir,
    env: { ...process.env, CDK_OUTDIR: outdir, TS_NODE_TRANSPILE_ONLY: 'true' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    console.error(`template-scan: synthesizing variant '${name}' (${args.join(' ') || 'no context'}) failed`);
    process.exit(1);
  }
  console.log(`template-scan: synthesized ${name.padEnd(16)} ${((Date.now() - started) / 1000).toFixed(1)}s  ${args.join(' ') || '(defaults)'}`);
}
