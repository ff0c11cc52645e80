#!/usr/bin/env node
import { CliError, EXIT } from './cli-error';
import { CliOutput } from './command';
import { COMMANDS } from './commands';
import { explainAwsError } from './target/aws-errors';
import { stopInProcessRuntimes } from './target/in-process-runtime';

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  return [
    'Usage: batch-pipeline <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    '`batch-pipeline <command> --help` for the options of one command.',
  ].join('\n');
}

/** The CLI, for `bin` and for tests: returns the exit code. */
export async function main(argv: readonly string[], output: CliOutput = {
  print: (line) => console.log(line),
  note: (line) => console.error(line),
}): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    output.print(usage());
    return EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  try {
    if (!command) {
      throw new CliError(`unknown command '${name}'`, `use one of: ${COMMANDS.map((candidate) => candidate.name).join(', ')} (see `
        + 'batch-pipeline --help)');
    }
    return await command.run(args, output).finally(() => stopInProcessRuntimes(output.note));
  } catch (error) {
    // An SDK error a user can fix (credentials, region, permissions, endpoint) reads as one.
    const known = error instanceof CliError ? error : explainAwsError(error, name);
    if (known) {
      output.note(`batch-pipeline: ${known.message}\n  what to do: ${known.remedy}`);
      return known.exitCode;
    }
    throw error;
  }
}

if (require.main === module) {
  // Exit once stdout is flushed: a large --json answer to a pipe is written asynchronously.
  main(process.argv.slice(2)).then((code) => process.stdout.write('', () => process.exit(code)), (error) => {
    console.error(error);
    process.exit(EXIT.internal);
  });
}
