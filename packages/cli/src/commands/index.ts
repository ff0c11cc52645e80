import { Command } from '../command';
import { localCommand } from './local-commands';

/** Every command, in the order `--help` lists them. Add a command module here. */
export const COMMANDS: readonly Command[] = [
  localCommand('run', 'upload files, run the pipeline, print each run\'s summary (local runtime)'),
  localCommand('watch', 'run every file copied into the watched bucket\'s folder until Ctrl-C (local runtime)'),
];
