/**
 * The names a pipeline job relies on, shared by the job definition, the
 * orchestration that starts a run and the local runtime.
 *
 * One upload is one run. For each run the orchestration sets the five
 * `PIPELINE_*` environment variables on the job (as container overrides), and
 * stages the input file on the pipeline's EFS file system at
 * `/runs/<runId>/in/<file>` relative to the access point root; the job writes
 * its report into `/runs/<runId>/out/`. Inside the container the access point
 * root is mounted at `mountPath` (default `/mnt/pipeline`), so the job sees
 * `/mnt/pipeline/runs/<runId>/in/<file>`. A job that reads only these
 * variables works the same on AWS, in a container on a laptop and as a local process.
 */
export class RunContract {
  /** Environment variable holding the run id (`[A-Za-z0-9_-]`, at most 80 characters). */
  public static readonly RUN_ID = 'PIPELINE_RUN_ID';

  /** Environment variable holding the absolute path of the staged input file. */
  public static readonly INPUT_PATH = 'PIPELINE_INPUT_PATH';

  /** Environment variable holding the absolute path of the directory the job writes its report into. */
  public static readonly OUTPUT_DIR = 'PIPELINE_OUTPUT_DIR';

  /** Environment variable holding the name of the bucket the input was uploaded to. */
  public static readonly SOURCE_BUCKET = 'PIPELINE_SOURCE_BUCKET';

  /** Environment variable holding the (decoded) object key of the uploaded input. */
  public static readonly SOURCE_KEY = 'PIPELINE_SOURCE_KEY';

  /** Where the access point root of the pipeline file system is mounted in the container by default. */
  public static readonly DEFAULT_MOUNT_PATH = '/mnt/pipeline';

  /** Directory, relative to the access point root, that holds one directory per run. */
  public static readonly RUNS_DIRECTORY = '/runs';

  /**
   * Key of the CloudFormation metadata on the job definition resource that
   * records how to run the job locally: `localCommand`, `image`, `command`,
   * `environment`, `secrets` (names only), `mountPath` and `architecture`.
   */
  public static readonly LOCAL_RUN_METADATA_KEY = 'batch-pipeline:localRun';

  /** Every environment variable of the contract, in the order above. */
  public static readonly ENVIRONMENT_VARIABLES: string[] = [
    RunContract.RUN_ID,
    RunContract.INPUT_PATH,
    RunContract.OUTPUT_DIR,
    RunContract.SOURCE_BUCKET,
    RunContract.SOURCE_KEY,
  ];

  /**
   * The directory of a run, relative to the access point root: `/runs/<runId>`.
   */
  public static runDirectory(runId: string): string {
    return `${RunContract.RUNS_DIRECTORY}/${runId}`;
  }

  /**
   * The input directory of a run, relative to the access point root: `/runs/<runId>/in`.
   */
  public static inputDirectory(runId: string): string {
    return `${RunContract.runDirectory(runId)}/in`;
  }

  /**
   * The output directory of a run, relative to the access point root: `/runs/<runId>/out`.
   */
  public static outputDirectory(runId: string): string {
    return `${RunContract.runDirectory(runId)}/out`;
  }

  /**
   * The environment a job gets for one run.
   *
   * @param options the run and where the access point root is mounted
   */
  public static environmentFor(options: RunEnvironmentOptions): { [name: string]: string } {
    const root = options.mountPath ?? RunContract.DEFAULT_MOUNT_PATH;
    return {
      [RunContract.RUN_ID]: options.runId,
      [RunContract.INPUT_PATH]: `${root}${RunContract.inputDirectory(options.runId)}/${options.inputFileName}`,
      [RunContract.OUTPUT_DIR]: `${root}${RunContract.outputDirectory(options.runId)}`,
      [RunContract.SOURCE_BUCKET]: options.sourceBucket,
      [RunContract.SOURCE_KEY]: options.sourceKey,
    };
  }

  private constructor() {}
}

/** One run, as `RunContract.environmentFor` needs it. */
export interface RunEnvironmentOptions {
  /** The run id. */
  readonly runId: string;
  /** File name of the staged input (the last part of the object key). */
  readonly inputFileName: string;
  /** Bucket the input was uploaded to. */
  readonly sourceBucket: string;
  /** Decoded object key of the upload. */
  readonly sourceKey: string;
  /**
   * Where the access point root is mounted: in the container, or a local directory for a local process.
   *
   * @default RunContract.DEFAULT_MOUNT_PATH
   */
  readonly mountPath?: string;
}
