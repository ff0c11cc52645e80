import { parseArgs, ParseArgsConfig } from 'node:util';
import { commandLineRefusal } from '@batch-pipeline/local/lib/cli/option-suggestion';
import { CliError } from './cli-error';
import { CliOutput } from './command';
import { commandHint } from './output/command-hint';
import { Connection } from './target/aws-clients';

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** The options every operations command takes: where the pipeline is, and how to print. */
export const TARGET_OPTIONS = {
  'stack': { type: 'string' },
  'region': { type: 'string' },
  'profile': { type: 'string' },
  'endpoint-url': { type: 'string' },
  'pipeline': { type: 'string' },
  'assembly': { type: 'string' },
  'app': { type: 'string' },
  'state-dir': { type: 'string' },
  'json': { type: 'boolean' },
  'help': { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export const TARGET_USAGE = `Target (one of):
  --stack <name>          a deployed stack (the SDK's default credentials; --region, --profile)
  --endpoint-url <url>    a served local runtime (\`batch-pipeline serve\`), e.g. http://127.0.0.1:4566
                          (with --stack, that stack of it); AWS_ENDPOINT_URL works too
  --pipeline <id>         the state machine's logical id, when the stack holds several pipelines
  (neither)               the app folder's pipeline, run in this process on the state directory
                          \`batch-pipeline run\` and \`watch\` use (--assembly, --app, --state-dir as for \`run\`)
Output:
  --json                  one JSON document on stdout instead of text`;

export interface ParsedCommandLine<V> {
  readonly values: V;
  readonly positionals: string[];
  readonly connection: Connection;
  readonly stack?: string;
  readonly pipeline?: string;
  /** The local runtime's options (--assembly, --app, --state-dir, --pipeline) for a command without a target. */
  readonly local: readonly string[];
  /** The target's options as given (for a hint naming the next command): `--stack S --region R`, or ''. */
  readonly targetArgs: string;
  readonly json: boolean;
  readonly help: boolean;
}

/** Parses a command's arguments (its own options and the target's); bad input is a CliError. */
export function parseCommandLine<O extends OptionSpec>(command: string, args: readonly string[], options: O, allowPositionals = true) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { ...TARGET_OPTIONS, ...options }, allowPositionals, strict: true });
  } catch (error) {
    const refusal = commandLineRefusal(error as Error & { code?: string }, command, Object.keys({ ...TARGET_OPTIONS, ...options }));
    throw new CliError(`${command}: ${refusal.message}`, refusal.remedy);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const endpointUrl = (values['endpoint-url'] as string | undefined) ?? process.env.AWS_ENDPOINT_URL;
  if (endpointUrl !== undefined && !/^https?:\/\/[^/]+/.test(endpointUrl)) {
    throw new CliError(`--endpoint-url ${endpointUrl} is not a URL`, 'pass the URL `batch-pipeline serve` printed, such as http://127.0.0.1:4566');
  }
  return {
    values: parsed.values,
    positionals: parsed.positionals,
    connection: { region: values.region as string | undefined, profile: values.profile as string | undefined, endpointUrl },
    stack: values.stack as string | undefined,
    pipeline: values.pipeline as string | undefined,
    local: (['assembly', 'app', 'state-dir', 'pipeline'] as const)
      .flatMap((name) => (values[name] === undefined ? [] : [`--${name}`, values[name] as string])),
    targetArgs: (['stack', 'region', 'profile', 'endpoint-url', 'pipeline', 'assembly', 'app', 'state-dir'] as const)
      .flatMap((name) => (values[name] === undefined ? [] : [` --${name} ${values[name] as string}`])).join(''),
    json: values.json === true,
    help: values.help === true,
  };
}

/** A positive whole number option, or a CliError naming it. */
export function positiveInteger(name: string, value: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) {
    throw new CliError(`--${name} ${value} is not valid`, `use a whole number from 1 to ${max}`);
  }
  return number;
}

/** A positive number option (a rate), or a CliError naming it. */
export function positiveNumber(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!(number > 0 && number <= max)) {
    throw new CliError(`--${name} ${value} is not valid`, `use a number above 0 and at most ${max}`);
  }
  return number;
}

/**
 * A point in time: an ISO date or date-time (`2026-12-01`, `2026-12-01T08:00Z`) or a duration
 * back from now (`30m`, `12h`, `7d`).
 */
export function parseTime(name: string, value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(relative[1]) * unit);
  }
  const time = Date.parse(value);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new CliError(`--${name} ${value} is not a time`, 'use an ISO date or time (2026-12-01, 2026-12-01T08:00:00Z) or a duration back from '
      + 'now (30m, 12h, 7d)');
  }
  return new Date(time);
}

/**
 * The command line of a command on one run (`<command> <run> [options]`): parsed, with the run;
 * undefined when --help printed the usage.
 */
export function parseRunCommandLine<O extends OptionSpec>(command: string, args: readonly string[], options: O, usage: string, output: CliOutput) {
  const parsed = parseCommandLine(command, args, options);
  if (parsed.help) {
    output.print(usage);
    return undefined;
  }
  const [runId, ...extra] = parsed.positionals;
  if (runId === undefined || extra.length > 0) {
    const targetArgs = parsed.targetArgs || ' --stack <name>';
    throw new CliError(`${command} takes one run`, `for example \`${commandHint(`${command} <run>`, targetArgs)}\` `
      + `(\`${commandHint('runs', parsed.targetArgs)}\` lists them)`);
  }
  return { ...parsed, runId };
}
