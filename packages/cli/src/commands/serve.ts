import { serveCommand as serve } from '@batch-pipeline/local/lib/serve/serve-command';
import { Command } from '../command';

/** `serve`: the app's pipeline on one local port as AWS endpoints (packages/local's serveRuntime), until Ctrl-C. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the app\'s pipeline locally as AWS endpoints on one port (S3, Step Functions, CloudFormation, Logs, Batch, SNS, '
    + 'Lambda, DataSync) until Ctrl-C',
  run: (args, output) => serve(args, output.print, undefined, output.note),
};
