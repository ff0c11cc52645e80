/** Where a command writes: lines for people, or one JSON document with --json. */
export interface CliOutput {
  /** A line for people (stdout). */
  readonly print: (line: string) => void;
  /** Progress and notes that must not mix with --json output (stderr). */
  readonly note: (line: string) => void;
}

/** One `batch-pipeline <name>` command. */
export interface Command {
  readonly name: string;
  /** One line for `batch-pipeline --help`. */
  readonly summary: string;
  /** Runs the command with the arguments after its name; returns the exit code (see EXIT). */
  run(args: readonly string[], output: CliOutput): Promise<number>;
}
