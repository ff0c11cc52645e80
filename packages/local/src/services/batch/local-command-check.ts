import { accessSync, constants, statSync } from 'node:fs';
import * as path from 'node:path';
import { JobDefinition } from '../../model/pipeline-model';
import { LocalRuntimeError } from '../../runtime/local-runtime-error';

/**
 * Programs that run the script their first argument names: that script must exist in the app
 * folder. A program outside this list takes its arguments as it likes; only the program is checked.
 */
const INTERPRETERS = new Set(['node', 'python', 'python3', 'bash', 'sh', 'zsh', 'ruby', 'perl', 'Rscript', 'tsx', 'ts-node', 'pwsh']);

/**
 * Why a job definition's `localCommand` cannot run in the app folder, before any run starts: it is
 * not an argument list (a string slips through from JavaScript or Python), its program is a path
 * that does not exist or a name no PATH folder holds, or the script an interpreter is given does
 * not exist. Undefined when it can run.
 */
export function localCommandProblem(definition: JobDefinition, appDirectory: string): LocalRuntimeError | undefined {
  const localCommand: unknown = definition.localRun?.localCommand;
  const where = `the job definition '${definition.name}' (its BatchProcessor's \`localCommand\`)`;
  const fix = 'fix the BatchProcessor\'s `localCommand` (paths in it are relative to the app folder, where cdk.json is) and synthesize again, '
    + 'or run from the app folder (--app <folder>)';
  if (!Array.isArray(localCommand) || localCommand.length === 0 || !localCommand.every((argument) => typeof argument === 'string'
    && argument !== '')) {
    return new LocalRuntimeError(`${where} is ${JSON.stringify(localCommand)}, not an argument list of non-empty strings`,
      "give `localCommand` as an argument list such as ['node', 'job/report.mjs'] and synthesize again");
  }
  const [program, ...args] = localCommand as string[];
  if (program !== 'node' && !programExists(program, appDirectory)) {
    return new LocalRuntimeError(`${where} runs '${program}', `
      + `which ${program.includes('/') ? `does not exist as an executable file in the app folder ${appDirectory}` : 'no folder of PATH holds'}`,
    program.includes('/') ? fix : `install ${program} or put it on PATH, or ${fix}`);
  }
  const script = INTERPRETERS.has(path.basename(program)) ? args.find((argument) => !argument.startsWith('-')) : undefined;
  if (script !== undefined && !isFile(path.resolve(appDirectory, script))) {
    return new LocalRuntimeError(`${where} runs the script '${script}', which does not exist in the app folder ${appDirectory}`, fix);
  }
  return undefined;
}

function programExists(program: string, appDirectory: string): boolean {
  if (program.includes('/') || program.includes(path.sep)) return isExecutable(path.resolve(appDirectory, program));
  const extensions = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)
    .some((folder) => extensions.some((extension) => isExecutable(path.join(folder, program + extension))));
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return isFile(file);
  } catch {
    return false;
  }
}
