/** What to tell a user whose command line parseArgs refused. */
export interface CommandLineRefusal {
  readonly message: string;
  readonly remedy: string;
}

/**
 * A command line Node's parseArgs refused, said as a message and what to do: an unknown option
 * names the closest known one (a typo such as `--fsat`) and the command's help; anything else
 * (a value missing) keeps parseArgs' words and points at the help. Shared by every command of
 * `batch-pipeline` (those of packages/local and of packages/cli).
 */
export function commandLineRefusal(error: Error & { code?: string }, command: string, knownOptions: readonly string[]): CommandLineRefusal {
  const help = `see \`batch-pipeline ${command} --help\``;
  const unknown = error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /Unknown option '([^']+)'/.exec(error.message)?.[1] : undefined;
  if (unknown === undefined) return { message: error.message.replace(/\.$/, ''), remedy: help };
  const closest = closestOption(unknown.replace(/^-+/, ''), knownOptions);
  return { message: `unknown option '${unknown}'`, remedy: closest ? `did you mean --${closest}? (${help})` : help };
}

/** The known option within two edits of `name`, if there is one. */
function closestOption(name: string, knownOptions: readonly string[]): string | undefined {
  const candidates = knownOptions.map((option) => [option, editDistance(name, option)] as const)
    .filter(([, distance]) => distance <= 2)
    .sort((a, b) => a[1] - b[1]);
  return candidates[0]?.[0];
}

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from `a` to `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length];
}
