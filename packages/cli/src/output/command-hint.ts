/**
 * A command line to suggest to the user: `batch-pipeline <command>` followed by the target options
 * they passed (`--endpoint-url URL`, or `--stack NAME --region R --profile P`, as parsed into
 * `targetArgs`), so that the suggestion, pasted as it is, reaches the same pipeline.
 */
export function commandHint(command: string, targetArgs = ''): string {
  return `batch-pipeline ${command}${targetArgs}`;
}
