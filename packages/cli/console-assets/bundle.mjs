// Bundles the console's page (src/main.ts and its libraries) into lib/console-assets/console.js:
// one file served by `batch-pipeline console`, so the page needs nothing from a network.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
mkdirSync(path.join(here, '..', 'lib', 'console-assets'), { recursive: true });
await build({
  entryPoints: [path.join(here, 'src', 'main.ts')],
  outfile: path.join(here, '..', 'lib', 'console-assets', 'console.js'),
  bundle: true,
  format: 'iife',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  // The licences of the bundled libraries (dagre, graphlib: MIT) go into the bundle's comments.
  legalComments: 'eof',
  logLevel: 'warning',
});
