import { PipelineModel } from '@batch-pipeline/local';

/**
 * Where a run's reports land: `s3://<bucket>/<prefix>runs/<run id>/out/` (the orchestration
 * package's run contract), the prefix before and after the run id as the pipeline has it.
 */
export interface ReportLocation {
  readonly bucket: string;
  /** The key prefix up to the run id, such as `reports/runs/`. */
  readonly before: string;
  /** The rest of the prefix after the run id, such as `/out/`. */
  readonly after: string;
}

/** The key prefix of one run's reports. */
export function reportPrefixOf(location: ReportLocation, runId: string): string {
  return `${location.before}${runId}${location.after}`;
}

/** Every object of `value` (a resolved state machine definition), depth first. */
function* objectsIn(value: unknown): Generator<Record<string, unknown>> {
  if (Array.isArray(value)) {
    for (const item of value) yield* objectsIn(item);
  } else if (value !== null && typeof value === 'object') {
    yield value as Record<string, unknown>;
    for (const item of Object.values(value)) yield* objectsIn(item);
  }
}

/**
 * The report location of a pipeline: a direct stage-out's `reportBucket` and
 * `reportPrefix.$` (`States.Format('<prefix>{}/out/', $.runId)`) in the definition, else the
 * S3 destination of a DataSync task that copies from EFS (`<subdirectory>runs/<run id>/out/`).
 */
export function reportLocationOf(model: PipelineModel): ReportLocation | undefined {
  for (const object of objectsIn(model.stateMachine.definition)) {
    const format = /^States\.Format\('([^']*)\{\}([^']*)',\s*\$\.runId\)$/.exec(String(object['reportPrefix.$'] ?? ''));
    if (typeof object.reportBucket === 'string' && format) {
      return { bucket: object.reportBucket, before: format[1], after: format[2] };
    }
  }
  for (const task of model.dataSyncTasks.values()) {
    const source = model.dataSyncLocations.get(task.sourceLocationArn);
    const destination = model.dataSyncLocations.get(task.destinationLocationArn);
    if (source?.kind === 'EFS' && destination?.kind === 'S3') {
      const subdirectory = destination.subdirectory.replace(/^\/+/, '').replace(/\/*$/, '/').replace(/^\/$/, '');
      return { bucket: destination.bucketName, before: `${subdirectory}runs/`, after: '/out/' };
    }
  }
  return undefined;
}

/** The function the state machine calls for a run's workspace, and the log group it writes to. */
export interface WorkspaceFunction {
  readonly name: string;
  readonly logGroup: string;
}

/**
 * The function the state machine invokes (not a trigger), and its log group: the template's
 * `LoggingConfig.LogGroup` (a Ref to a log group of the stack) or Lambda's default.
 */
export function workspaceFunctionOf(
  model: PipelineModel, resources: Record<string, any>, physicalIds: ReadonlyMap<string, string>,
): WorkspaceFunction | undefined {
  const definition = JSON.stringify(model.stateMachine.definition);
  const triggers = new Set(model.uploadTriggers.map((trigger) => trigger.functionArn));
  const called = [...model.functions.values()].find((fn) => !triggers.has(fn.arn) && (definition.includes(`"${fn.arn}"`)
    || definition.includes(`"${fn.name}"`)));
  if (!called) return undefined;
  const logGroup = logGroupName(resources[called.logicalId]?.Properties?.LoggingConfig?.LogGroup, resources, physicalIds);
  return { name: called.name, logGroup: logGroup ?? `/aws/lambda/${called.name}` };
}

/** A log group as a template names it: a string, or a Ref to a log group of the stack (its physical id, else its LogGroupName). */
function logGroupName(value: unknown, resources: Record<string, any>, physicalIds: ReadonlyMap<string, string>): string | undefined {
  if (typeof value === 'string') return value;
  const reference = typeof value === 'object' && value !== null ? (value as { Ref?: unknown }).Ref : undefined;
  return typeof reference === 'string' ? physicalIds.get(reference) ?? resources[reference]?.Properties?.LogGroupName : undefined;
}

/**
 * The log group each job definition's `awslogs` driver writes to, by definition name: for a job
 * whose DescribeJobs answer carries no `logConfiguration`.
 */
export function jobLogGroupsOf(model: PipelineModel, resources: Record<string, any>, physicalIds: ReadonlyMap<string, string>): Map<string, string> {
  const groups = new Map<string, string>();
  for (const definition of model.jobDefinitions.values()) {
    const options = resources[definition.logicalId]?.Properties?.ContainerProperties?.LogConfiguration?.Options ?? {};
    const group = logGroupName(options['awslogs-group'], resources, physicalIds);
    if (group) groups.set(definition.name, group);
  }
  return groups;
}
