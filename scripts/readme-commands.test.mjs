// The READMEs document only `batch-pipeline` commands and options that exist (node --test, part of
// `npm test`): every `batch-pipeline <command> ... --<option>` in a README's commands is a command of
// packages/cli and an option its sources (or the local runtime's command line) read.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const READMES = ['README.md', 'packages/pipeline/README.md', 'apps/example/README.md', 'packages/cli/README.md'];
const COMMAND_SOURCES = ['packages/cli/src', 'packages/local/src/cli', 'packages/local/src/serve'];

function sourcesOf(directory) {
  return readdirSync(join(root, directory), { recursive: true })
    .filter((file) => String(file).endsWith('.ts'))
    .map((file) => readFileSync(join(root, directory, String(file)), 'utf8'))
    .join('\n');
}

/** The command registry and every module it imports (a command may live outside commands/, as the console does). */
const registry = join(root, 'packages/cli/src/commands/index.ts');
const registrySource = readFileSync(registry, 'utf8');
const commandsSource = [registrySource, ...[...registrySource.matchAll(/from '(\.[^']+)'/g)]
  .map((match) => readFileSync(join(dirname(registry), `${match[1]}.ts`), 'utf8'))]
  .join('\n');
/** The command names packages/cli registers: `name: 'runs'` of a command module, `localCommand('run', ...)`. */
const commands = new Set([
  ...[...commandsSource.matchAll(/^\s+name: '([a-z-]+)',$/gm)].map((match) => match[1]),
  ...[...commandsSource.matchAll(/localCommand\('([a-z-]+)'/g)].map((match) => match[1]),
]);
const optionSources = COMMAND_SOURCES.map(sourcesOf).join('\n');

/** Each `batch-pipeline <command> <rest of the line>` of a README: in code spans and blocks alike. */
function documentedCalls(file) {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/batch-pipeline ([a-z][a-z-]*)([^`\n|]*)/g)]
    .map((match) => ({ file, command: match[1], options: [...match[2].matchAll(/--([a-z][a-z-]*)/g)].map((option) => option[1]) }));
}

test('given packages/cli, when its commands are read, then the operations commands are among them', () => {
  for (const name of ['run', 'runs', 'follow', 'logs', 'fetch', 'rerun', 'backfill', 'cancel']) {
    assert.ok(commands.has(name), `packages/cli has no command ${name}: ${[...commands].join(', ')}`);
  }
});

test('given the READMEs, when their batch-pipeline commands are read, then each is a command of packages/cli with options it reads', () => {
  const calls = READMES.flatMap(documentedCalls);
  assert.ok(calls.length >= 10, `only ${calls.length} documented calls found`);
  for (const call of calls) {
    assert.ok(commands.has(call.command), `${call.file}: batch-pipeline ${call.command} is not a command (${[...commands].join(', ')})`);
    for (const option of call.options) {
      const read = optionSources.includes(`'${option}'`) || optionSources.includes(`--${option}`) || new RegExp(`\\b${option}: \\{`).test(optionSources);
      assert.ok(read, `${call.file}: batch-pipeline ${call.command} --${option}: no command reads --${option}`);
    }
  }
});
