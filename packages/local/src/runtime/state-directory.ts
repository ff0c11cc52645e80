import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LocalRuntimeError } from './local-runtime-error';

/**
 * The folders of a local run, under one directory the user can open
 * (`.batch-pipeline/` by default):
 *
 * ```
 * buckets/<bucket name>/<key>          every bucket of the stack (object versions in .s3/ beside them)
 * efs/<file system logical id>/<path>  every EFS file system; an access point's root is a folder in it
 * notifications/<topic name>.jsonl     every SNS publish, one JSON message per line
 * metrics.jsonl                        every CloudWatch data point written with PutMetricData
 * logs/<function or job>/<run>.log     what each function invocation and job printed
 * runs/<run id>.json                   the summary of each run
 * executions/<run id>.json             each ended execution (input, outcome, events) for a later process's history
 * work/                                scratch space of the runtime
 * ```
 */
export class StateDirectory {
  /**
   * Opens (and creates) a state directory, failing with what to do when it is not writable.
   */
  public static open(root: string): StateDirectory {
    const absolute = path.resolve(root);
    try {
      mkdirSync(absolute, { recursive: true });
      accessSync(absolute, constants.W_OK);
    } catch (error) {
      throw new LocalRuntimeError(`the state directory ${absolute} is not writable (${(error as Error).message})`,
        'choose a writable folder with --state-dir, or fix its permissions');
    }
    const directory = new StateDirectory(absolute);
    const folders = [
      directory.bucketsRoot, directory.fileSystemsRoot, directory.notificationsDirectory,
      directory.logsDirectory, directory.runsDirectory, directory.workDirectory,
    ];
    for (const folder of folders) {
      mkdirSync(folder, { recursive: true });
    }
    return directory;
  }

  private constructor(public readonly root: string) {}

  /**
   * Calls `onRemoved` once when the state directory is removed, or replaced (a folder made again in
   * its place, as a service writing a log would make it, is another folder), checked every `everyMs`
   * on a timer that keeps no process alive. Returns what stops the checks.
   */
  public watchRemoval(onRemoved: () => void, everyMs = 1_000): () => void {
    // A file of this process in the scratch folder: gone once the folder is, even if one is made again
    // in its place (inode numbers of removed folders are reused at once on ext4).
    const marker = path.join(this.workDirectory, `.in-use-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    writeFileSync(marker, `the local runtime (process ${process.pid}) uses this state directory; it removes this file when it stops\n`);
    const stop = () => {
      clearInterval(timer);
      rmSync(marker, { force: true });
    };
    const timer = setInterval(() => {
      if (existsSync(marker)) return;
      stop();
      onRemoved();
    }, everyMs);
    timer.unref();
    return stop;
  }

  /** The root of the local S3 store: one folder per bucket. */
  public get bucketsRoot(): string {
    return path.join(this.root, 'buckets');
  }

  public get fileSystemsRoot(): string {
    return path.join(this.root, 'efs');
  }

  /** The folder of a file system. */
  public fileSystem(logicalId: string): string {
    return path.join(this.fileSystemsRoot, logicalId);
  }

  /** The local folder of a path on a file system (`rootDirectory` of the access point, then `relativePath`). */
  public onFileSystem(logicalId: string, rootDirectory: string, relativePath = '/'): string {
    return path.join(this.fileSystem(logicalId), rootDirectory, relativePath);
  }

  public get notificationsDirectory(): string {
    return path.join(this.root, 'notifications');
  }

  public notificationsFile(topicName: string): string {
    return path.join(this.notificationsDirectory, `${topicName}.jsonl`);
  }

  public get metricsFile(): string {
    return path.join(this.root, 'metrics.jsonl');
  }

  public get logsDirectory(): string {
    return path.join(this.root, 'logs');
  }

  /** The log file of one function invocation or job of a run. */
  public logFile(source: string, runId: string): string {
    return path.join(this.logsDirectory, source, `${runId}.log`);
  }

  public get runsDirectory(): string {
    return path.join(this.root, 'runs');
  }

  /** Where the Step Functions service keeps ended executions (StepFunctionsService.keepIn). */
  public get executionsDirectory(): string {
    return path.join(this.root, 'executions');
  }

  public runSummaryFile(runId: string): string {
    return path.join(this.runsDirectory, `${runId}.json`);
  }

  public get workDirectory(): string {
    return path.join(this.root, 'work');
  }
}
