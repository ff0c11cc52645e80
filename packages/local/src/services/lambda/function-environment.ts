import * as path from 'node:path';
import { FileSystemMount, LocalFunction } from '../../model/pipeline-model';
import { StateDirectory } from '../../runtime/state-directory';
import { LocalEndpoints, localSdkEnvironment } from '../sdk-environment';

/** What the environment of one execution environment depends on besides the function. */
export interface FunctionEnvironmentOptions {
  readonly state: StateDirectory;
  readonly endpoints: LocalEndpoints;
  readonly region: string;
  /** The environment's own temporary directory (Lambda's `/tmp`): `TMPDIR`. */
  readonly temporaryDirectory: string;
  /** `AWS_LAMBDA_LOG_STREAM_NAME`, one per execution environment. */
  readonly logStreamName: string;
  /** The variables taken from this process (default: only `PATH`). */
  readonly inherited?: NodeJS.ProcessEnv;
}

/**
 * The local folder an EFS mount stands for: the access point's root directory in the file
 * system's folder of the state directory, without a trailing separator (code compares paths
 * under the mount with `${mountPath}/`, as it would under `/mnt/...`).
 */
export function localMountFolder(state: StateDirectory, mount: FileSystemMount): string {
  return path.resolve(state.onFileSystem(mount.fileSystemLogicalId, mount.rootDirectory));
}

/**
 * Rewrites a value that names a path under one of the mounts (`/mnt/pipeline`,
 * `/mnt/pipeline/runs`) to the same path under the mount's local folder. A process on a laptop
 * cannot see `/mnt/pipeline`, so a function that reads its mount path from an environment
 * variable (as the workspace function reads `WORKSPACE_MOUNT_PATH`) works on the local folder;
 * a path written into the code itself is not rewritten. The longest matching mount path wins;
 * other values are returned as they are.
 */
export function rewriteMountPath(value: string, mounts: readonly FileSystemMount[], state: StateDirectory): string {
  const byLength = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const mount of byLength) {
    const mountPath = mount.mountPath.replace(/\/+$/, '');
    if (value === mountPath || value.startsWith(`${mountPath}/`)) {
      return localMountFolder(state, mount) + value.slice(mountPath.length);
    }
  }
  return value;
}

/** The runtime identifier Lambda puts in `AWS_EXECUTION_ENV`: `AWS_Lambda_nodejs24.x`. */
export function executionEnvFor(runtime: string): string {
  return `AWS_Lambda_${runtime}`;
}

/**
 * The complete environment of a function's process, built from nothing: this process's own
 * variables are not inherited (no `AWS_*`, no proxy settings, no `NODE_OPTIONS`), except `PATH`
 * so that the function can start programs. In order of precedence, lowest first:
 *
 * 1. `PATH`, `LANG=en_US.UTF-8`, `TZ=:UTC`, `TMPDIR` (the environment's own `/tmp`);
 * 2. the function's `Environment.Variables`, each value under a mount path rewritten to the
 *    mount's local folder (see `rewriteMountPath`);
 * 3. `localSdkEnvironment`: the local endpoints, the region, dummy credentials, no shared config;
 * 4. the variables Lambda itself sets and a function cannot: `_HANDLER`, `LAMBDA_TASK_ROOT`
 *    (the code directory in the cloud assembly), `AWS_EXECUTION_ENV`, `AWS_LAMBDA_FUNCTION_NAME`,
 *    `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, `AWS_LAMBDA_FUNCTION_VERSION` (`$LATEST`),
 *    `AWS_LAMBDA_LOG_GROUP_NAME` (`/aws/lambda/<name>`), `AWS_LAMBDA_LOG_STREAM_NAME`,
 *    `AWS_LAMBDA_INITIALIZATION_TYPE` (`on-demand`), `AWS_NODEJS_CONNECTION_REUSE_ENABLED`.
 *
 * Not set, unlike on Lambda: `LAMBDA_RUNTIME_DIR`, `AWS_LAMBDA_RUNTIME_API` (there is no
 * runtime API; the host talks over IPC), `NODE_PATH` (no `/opt` layers), `_X_AMZN_TRACE_ID`.
 */
export function functionEnvironment(fn: LocalFunction, options: FunctionEnvironmentOptions): Record<string, string> {
  const inherited = options.inherited ?? process.env;
  const functionVariables: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    functionVariables[name] = rewriteMountPath(String(value), fn.mounts, options.state);
  }
  return {
    ...(inherited.PATH ? { PATH: inherited.PATH } : {}),
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    TMPDIR: options.temporaryDirectory,
    ...functionVariables,
    ...localSdkEnvironment(options.endpoints, { region: options.region, scratchDirectory: options.temporaryDirectory }),
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.codeDirectory,
    AWS_EXECUTION_ENV: executionEnvFor(fn.runtime),
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMiB),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: options.logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
  };
}
