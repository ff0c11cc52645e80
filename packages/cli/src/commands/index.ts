import { backfillCommand } from './backfill';
import { cancelCommand } from './cancel';
import { costCommand } from './cost';
import { fetchCommand } from './fetch';
import { followCommand } from './follow';
import { localCommand } from './local-commands';
import { logsCommand } from './logs';
import { rerunCommand } from './rerun';
import { runsCommand } from './runs';
import { serveCommand } from './serve';
import { Command } from '../command';
import { consoleCommand } from '../console/console-command';

/** Every command, in the order `--help` lists them. Add a command module here. */
export const COMMANDS: readonly Command[] = [
  localCommand('run', 'upload files, follow their runs, fetch the reports (local runtime; --stack or --endpoint-url: a deployed or served one)'),
  localCommand('watch', 'run every file copied into the watched bucket\'s folder until Ctrl-C (local runtime)'),
  serveCommand,
  runsCommand,
  followCommand,
  logsCommand,
  fetchCommand,
  rerunCommand,
  backfillCommand,
  cancelCommand,
  consoleCommand,
  costCommand,
];
