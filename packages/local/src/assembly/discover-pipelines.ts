import * as path from 'node:path';
import { AssemblyStack, CloudAssembly } from './cloud-assembly';
import { DeployedIdentifiers } from './deployed-identifiers';
import { IntrinsicContext, resolveValue } from './intrinsics';
import { LocalIdentifiers, TemplateResource } from './local-identifiers';
import {
  DataSyncLocation, DataSyncTask, FileSystemMount, JobDefinition, JobLogConfiguration, JobQueue, LocalBucket, LocalFileSystem,
  LocalFunction, LocalRunMetadata, LocalStateMachine, LocalTopic, PipelineModel, UploadTrigger,
} from '../model/pipeline-model';
import { LocalRuntimeError } from '../runtime/local-runtime-error';

/** Account and region of a stack synthesized without an environment. */
export const LOCAL_DEFAULT_ENVIRONMENT = { account: '000000000000', region: 'us-east-1' } as const;

/** The key of the job definition metadata that says how a job runs locally. */
export const LOCAL_RUN_METADATA_KEY = 'batch-pipeline:localRun';

class StackReader {
  public readonly identifiers: LocalIdentifiers;
  public readonly region: string;
  public readonly account: string;
  /** Whether a function counts only with its code in the assembly (a deployed stack's code is on AWS). */
  public readonly codeRequired: boolean;

  /**
   * @param physicalIds of a deployed stack (ListStackResources): names and ARNs are the deployed ones,
   * and functions count without their code (an assembly's stack: undefined, its code is required).
   */
  public constructor(public readonly stack: AssemblyStack, physicalIds?: ReadonlyMap<string, string>) {
    this.region = stack.region ?? LOCAL_DEFAULT_ENVIRONMENT.region;
    this.account = stack.account ?? LOCAL_DEFAULT_ENVIRONMENT.account;
    const parameters = Object.fromEntries(Object.entries(stack.template.Parameters ?? {})
      .filter(([, parameter]) => parameter.Default !== undefined)
      .map(([name, parameter]) => [name, String(parameter.Default)]));
    this.codeRequired = physicalIds === undefined;
    this.identifiers = physicalIds
      ? new DeployedIdentifiers(stack.stackName, stack.template.Resources, this.region, this.account, physicalIds, parameters)
      : new LocalIdentifiers(stack.stackName, stack.template.Resources, this.region, this.account, parameters);
  }

  public resources(type: string): Array<[string, TemplateResource]> {
    return Object.entries(this.stack.template.Resources).filter(([, resource]) => resource.Type === type);
  }

  public resolve(value: unknown, where: string): any {
    const context: IntrinsicContext = {
      region: this.region, account: this.account, references: this.identifiers, where: `${this.stack.stackName}/${where}`,
    };
    return resolveValue(value, context);
  }

  /** The logical id of the resource an ARN or id (as resolved) belongs to. */
  public logicalIdOf(type: string, resolved: string): string | undefined {
    return this.resources(type).map(([id]) => id)
      .find((id) => [this.identifiers.arnOf(id), this.identifiers.ref(id), this.identifiers.idOf(id)].includes(resolved));
  }
}

function buckets(reader: StackReader): Map<string, LocalBucket> {
  return new Map(reader.resources('AWS::S3::Bucket').map(([id, resource]) => [id, {
    logicalId: id,
    name: reader.identifiers.nameOf(id),
    arn: reader.identifiers.arnOf(id),
    versioned: resource.Properties?.VersioningConfiguration?.Status === 'Enabled',
  }]));
}

function fileSystems(reader: StackReader): Map<string, LocalFileSystem> {
  return new Map(reader.resources('AWS::EFS::FileSystem').map(([id]) => [id, {
    logicalId: id, id: reader.identifiers.idOf(id)!, arn: reader.identifiers.arnOf(id),
  }]));
}

/** An access point (by its ARN or id) as a file system and root directory. */
function accessPointRoot(reader: StackReader, accessPoint: string, where: string): { fileSystemLogicalId: string; rootDirectory: string } {
  const logicalId = reader.logicalIdOf('AWS::EFS::AccessPoint', accessPoint);
  if (!logicalId) {
    throw new LocalRuntimeError(`${reader.stack.stackName}/${where} mounts the access point ${accessPoint}, which is not in the stack`,
      'the local runtime can only mount file systems the stack defines; define the file system and access point in the same stack');
  }
  const properties = reader.stack.template.Resources[logicalId].Properties ?? {};
  const fileSystem = reader.resolve(properties.FileSystemId, `${logicalId} FileSystemId`);
  const fileSystemLogicalId = reader.logicalIdOf('AWS::EFS::FileSystem', fileSystem);
  if (!fileSystemLogicalId) {
    throw new LocalRuntimeError(`${reader.stack.stackName}/${logicalId} belongs to the file system ${fileSystem}, which is not in the stack`,
      'define the file system in the same stack as its access point');
  }
  return { fileSystemLogicalId, rootDirectory: properties.RootDirectory?.Path ?? '/' };
}

function functions(reader: StackReader): Map<string, LocalFunction> {
  const result = new Map<string, LocalFunction>();
  const invokeConfigs = reader.resources('AWS::Lambda::EventInvokeConfig');
  for (const [id, resource] of reader.resources('AWS::Lambda::Function')) {
    const properties = resource.Properties ?? {};
    const objectKey = typeof properties.Code?.S3Key === 'string' ? properties.Code.S3Key : undefined;
    const asset = objectKey ? reader.stack.fileAssets.get(objectKey) : undefined;
    if (!asset && reader.codeRequired) {
      // Inline code or code outside the assembly (custom resource providers): not part of a run.
      continue;
    }
    const arn = reader.identifiers.arnOf(id);
    const name = reader.identifiers.nameOf(id);
    const mounts: FileSystemMount[] = (properties.FileSystemConfigs ?? []).map((config: any) => ({
      mountPath: config.LocalMountPath,
      ...accessPointRoot(reader, reader.resolve(config.Arn, `${id} FileSystemConfigs`), id),
    }));
    const invokeConfig = invokeConfigs.find(([, config]) => {
      const target = reader.resolve(config.Properties?.FunctionName, 'EventInvokeConfig FunctionName');
      return target === name || target === arn;
    })?.[1].Properties;
    result.set(arn, {
      logicalId: id,
      name,
      arn,
      codeDirectory: asset ?? '',
      handler: properties.Handler ?? 'index.handler',
      runtime: properties.Runtime ?? 'unknown',
      environment: reader.resolve(properties.Environment?.Variables ?? {}, `${id} Environment`),
      timeoutSeconds: properties.Timeout ?? 3,
      memoryMiB: properties.MemorySize ?? 128,
      mounts,
      ...(invokeConfig?.MaximumRetryAttempts !== undefined ? { asyncMaximumRetryAttempts: invokeConfig.MaximumRetryAttempts } : {}),
      ...(invokeConfig?.MaximumEventAgeInSeconds !== undefined ? { asyncMaximumEventAgeSeconds: invokeConfig.MaximumEventAgeInSeconds } : {}),
      ...(invokeConfig?.DestinationConfig?.OnFailure?.Destination
        ? { asyncOnFailureDestination: reader.resolve(invokeConfig.DestinationConfig.OnFailure.Destination, `${id} EventInvokeConfig`) } : {}),
    });
  }
  return result;
}

interface NotificationRule { readonly Name: string; readonly Value: string }

/** Bucket notifications to functions: CDK's `Custom::S3BucketNotifications` and the bucket's own NotificationConfiguration. */
function uploadTriggers(reader: StackReader, bucketsById: Map<string, LocalBucket>): UploadTrigger[] {
  const triggers: UploadTrigger[] = [];
  const add = (bucket: LocalBucket | undefined, functionArn: string, events: string[], rules: NotificationRule[]) => {
    if (!bucket) return;
    const rule = (name: string) => rules.find((candidate) => candidate.Name.toLowerCase() === name)?.Value;
    triggers.push({ bucket, functionArn, events, prefix: rule('prefix'), suffix: rule('suffix') });
  };
  const bucketByName = (name: string) => [...bucketsById.values()].find((bucket) => bucket.name === name);
  for (const [id, resource] of reader.resources('Custom::S3BucketNotifications')) {
    // Only what the notifications need: the ServiceToken and the rest may refer to things outside the stack.
    const bucketName = reader.resolve(resource.Properties?.BucketName, `${id} BucketName`);
    const configurations = reader.resolve(resource.Properties?.NotificationConfiguration?.LambdaFunctionConfigurations
      ?? [], `${id} NotificationConfiguration`);
    for (const config of configurations) {
      add(bucketByName(bucketName), config.LambdaFunctionArn, config.Events, config.Filter?.Key?.FilterRules ?? []);
    }
  }
  for (const [id, resource] of reader.resources('AWS::S3::Bucket')) {
    const configuration = resource.Properties?.NotificationConfiguration;
    for (const config of reader.resolve(configuration?.LambdaConfigurations ?? [], `${id} NotificationConfiguration`)) {
      add(bucketsById.get(id), config.Function, [config.Event], config.Filter?.S3Key?.Rules ?? []);
    }
  }
  return triggers;
}

function stateMachines(reader: StackReader): LocalStateMachine[] {
  return reader.resources('AWS::StepFunctions::StateMachine').map(([id, resource]) => {
    const properties = resource.Properties ?? {};
    if (properties.DefinitionS3Location) {
      throw new LocalRuntimeError(`${reader.stack.stackName}/${id} keeps its definition in S3 (DefinitionS3Location)`,
        'give the state machine its definition inline (the CDK does by default)');
    }
    let text: string = properties.Definition !== undefined
      ? JSON.stringify(reader.resolve(properties.Definition, `${id} Definition`))
      : reader.resolve(properties.DefinitionString, `${id} DefinitionString`);
    const substitutions: Record<string, unknown> = reader.resolve(properties.DefinitionSubstitutions ?? {}, `${id} DefinitionSubstitutions`);
    text = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => Object.hasOwn(substitutions, key) ? String(substitutions[key]) : whole);
    let definition: Record<string, any>;
    try {
      definition = JSON.parse(text);
    } catch (error) {
      throw new LocalRuntimeError(`${reader.stack.stackName}/${id}: the resolved definition is not JSON (${(error as Error).message})`,
        'synthesize the app again');
    }
    return { logicalId: id, name: reader.identifiers.nameOf(id), arn: reader.identifiers.arnOf(id), definition };
  });
}

function dataSyncLocations(reader: StackReader, bucketsById: Map<string, LocalBucket>): Map<string, DataSyncLocation> {
  const locations = new Map<string, DataSyncLocation>();
  for (const [id, resource] of reader.resources('AWS::DataSync::LocationS3')) {
    const properties = reader.resolve(resource.Properties ?? {}, id);
    const bucket = [...bucketsById.values()].find((candidate) => candidate.arn === properties.S3BucketArn);
    if (!bucket) {
      continue;
    }
    const arn = reader.identifiers.arnOf(id);
    locations.set(arn, { kind: 'S3', arn, bucketName: bucket.name, subdirectory: properties.Subdirectory ?? '/' });
  }
  for (const [id, resource] of reader.resources('AWS::DataSync::LocationEFS')) {
    const properties = reader.resolve(resource.Properties ?? {}, id);
    const arn = reader.identifiers.arnOf(id);
    if (properties.AccessPointArn) {
      const root = accessPointRoot(reader, properties.AccessPointArn, id);
      locations.set(arn, {
        kind: 'EFS',
        arn,
        fileSystemLogicalId: root.fileSystemLogicalId,
        accessPointRootDirectory: root.rootDirectory,
        subdirectory: properties.Subdirectory ?? '/',
      });
    } else {
      const fileSystemLogicalId = reader.logicalIdOf('AWS::EFS::FileSystem', properties.EfsFilesystemArn);
      if (fileSystemLogicalId) {
        locations.set(arn, { kind: 'EFS', arn, fileSystemLogicalId, accessPointRootDirectory: '/', subdirectory: properties.Subdirectory ?? '/' });
      }
    }
  }
  return locations;
}

function dataSyncTasks(reader: StackReader): Map<string, DataSyncTask> {
  return new Map(reader.resources('AWS::DataSync::Task').map(([id, resource]) => {
    const properties = reader.resolve(resource.Properties ?? {}, id);
    const arn = reader.identifiers.arnOf(id);
    return [arn, {
      logicalId: id,
      arn,
      sourceLocationArn: properties.SourceLocationArn,
      destinationLocationArn: properties.DestinationLocationArn,
      includes: properties.Includes,
      excludes: properties.Excludes,
      options: properties.Options ?? {},
    }];
  }));
}

function jobQueues(reader: StackReader): Map<string, JobQueue> {
  return new Map(reader.resources('AWS::Batch::JobQueue').map(([id, resource]) => {
    const arn = reader.identifiers.arnOf(id);
    const properties = reader.resolve(resource.Properties ?? {}, id);
    // The compute environments this stack defines; one of another stack leaves the capacity unknown.
    const capacities = (properties.ComputeEnvironmentOrder ?? []).map((entry: { ComputeEnvironment?: string }) => {
      const environment = typeof entry.ComputeEnvironment === 'string'
        ? reader.logicalIdOf('AWS::Batch::ComputeEnvironment', entry.ComputeEnvironment) : undefined;
      const resources = environment
        ? reader.resolve(reader.stack.template.Resources[environment].Properties ?? {}, environment).ComputeResources : undefined;
      return typeof resources?.MaxvCpus === 'number' ? resources.MaxvCpus as number : undefined;
    });
    const known = capacities.length > 0 && capacities.every((capacity: number | undefined) => capacity !== undefined);
    const maxvCpus = known ? Math.max(...capacities) : undefined;
    const actions = (properties.JobStateTimeLimitActions ?? []).map((action: Record<string, unknown>) => ({
      reason: String(action.Reason), state: String(action.State), maxTimeSeconds: Number(action.MaxTimeSeconds), action: String(action.Action),
    }));
    return [arn, {
      logicalId: id,
      name: reader.identifiers.nameOf(id),
      arn,
      state: properties.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      ...(maxvCpus !== undefined ? { maxvCpus } : {}),
      ...(actions.length > 0 ? { jobStateTimeLimitActions: actions } : {}),
    }];
  }));
}

/** The container's VCPU resource requirement (`ResourceRequirements`, or the older `Vcpus`). */
function vcpusOf(container: { ResourceRequirements?: Array<{ Type?: string; Value?: string }>; Vcpus?: number }): { vcpus?: number } {
  const requirement = (container.ResourceRequirements ?? []).find((entry) => entry.Type === 'VCPU');
  const vcpus = requirement ? Number(requirement.Value) : container.Vcpus;
  return typeof vcpus === 'number' && Number.isFinite(vcpus) ? { vcpus } : {};
}

/** A container's `LogConfiguration` as the template has it, resolved. */
interface TemplateLogConfiguration {
  readonly LogDriver?: unknown;
  readonly Options?: Record<string, unknown>;
}

/** The container's resolved `LogConfiguration`, when it names a driver. */
function logConfigurationOf(container: { LogConfiguration?: TemplateLogConfiguration }): { logConfiguration?: JobLogConfiguration } {
  const configuration = container.LogConfiguration;
  if (typeof configuration?.LogDriver !== 'string') return {};
  const options = Object.fromEntries(Object.entries(configuration.Options ?? {}).map(([name, value]) => [name, String(value)]));
  return { logConfiguration: { logDriver: configuration.LogDriver, options } };
}

function jobDefinitions(reader: StackReader): Map<string, JobDefinition> {
  return new Map(reader.resources('AWS::Batch::JobDefinition').map(([id, resource]) => {
    const properties = reader.resolve(resource.Properties ?? {}, id);
    const container = properties.ContainerProperties ?? properties.EcsProperties?.TaskProperties?.[0]?.Containers?.[0] ?? {};
    const volumes: any[] = properties.ContainerProperties?.Volumes ?? properties.EcsProperties?.TaskProperties?.[0]?.Volumes ?? [];
    const mounts: FileSystemMount[] = (container.MountPoints ?? []).flatMap((mount: any) => {
      const volume = volumes.find((candidate) => candidate.Name === mount.SourceVolume);
      const efs = volume?.EfsVolumeConfiguration;
      if (!efs) return [];
      if (efs.AuthorizationConfig?.AccessPointId) {
        return [{ mountPath: mount.ContainerPath, ...accessPointRoot(reader, efs.AuthorizationConfig.AccessPointId, id) }];
      }
      const fileSystemLogicalId = reader.logicalIdOf('AWS::EFS::FileSystem', efs.FileSystemId);
      return fileSystemLogicalId ? [{ mountPath: mount.ContainerPath, fileSystemLogicalId, rootDirectory: efs.RootDirectory ?? '/' }] : [];
    });
    const image: string = container.Image ?? '';
    const tag = image.split(':').pop() ?? '';
    const arn = reader.identifiers.arnOf(id);
    const localRun: LocalRunMetadata | undefined = resource.Metadata?.[LOCAL_RUN_METADATA_KEY]
      ? reader.resolve(resource.Metadata[LOCAL_RUN_METADATA_KEY], `${id} Metadata`) : undefined;
    return [arn, {
      logicalId: id,
      name: reader.identifiers.nameOf(id),
      arn,
      environment: Object.fromEntries((container.Environment ?? []).map((entry: { Name: string; Value: string }) => [entry.Name, entry.Value])),
      command: container.Command,
      mounts,
      attemptDurationSeconds: properties.Timeout?.AttemptDurationSeconds,
      ...vcpusOf(container),
      attempts: properties.RetryStrategy?.Attempts ?? 1,
      evaluateOnExit: properties.RetryStrategy?.EvaluateOnExit ?? [],
      localRun,
      imageAssetDirectory: reader.stack.imageAssets.get(tag),
      image,
      ...logConfigurationOf(container),
    }];
  }));
}

function topics(reader: StackReader): Map<string, LocalTopic> {
  return new Map(reader.resources('AWS::SNS::Topic').map(([id, resource]) => {
    const arn = reader.identifiers.arnOf(id);
    return [arn, { logicalId: id, name: reader.identifiers.nameOf(id), arn, encrypted: resource.Properties?.KmsMasterKeyId !== undefined }];
  }));
}

/**
 * Every pipeline of a cloud assembly: a state machine that a function starts when an
 * S3 bucket notification invokes it (the function's environment names the state
 * machine's ARN). Nothing is looked up by construct or logical id.
 */
export function discoverPipelines(assembly: CloudAssembly): PipelineModel[] {
  return assembly.stacks.flatMap((stack) => pipelinesOf(new StackReader(stack)));
}

/** A deployed stack, as CloudFormation describes it: GetTemplate and ListStackResources. */
export interface DeployedStack {
  readonly stackName: string;
  /** From the stack's ARN. */
  readonly region: string;
  readonly account: string;
  /** The deployed template (GetTemplate, `Original` stage), parsed. */
  readonly template: AssemblyStack['template'];
  /** The PhysicalResourceId of each resource, by logical id (ListStackResources). */
  readonly physicalIds: ReadonlyMap<string, string>;
}

/**
 * The pipelines of a deployed stack, found as in an assembly (`discoverPipelines`), with the
 * deployed names and ARNs. A function's `codeDirectory` is empty: its code is on AWS.
 */
export function discoverDeployedPipelines(deployed: DeployedStack): PipelineModel[] {
  const stack: AssemblyStack = {
    id: deployed.stackName,
    stackName: deployed.stackName,
    region: deployed.region,
    account: deployed.account,
    template: deployed.template,
    assemblyDirectory: '',
    fileAssets: new Map(),
    imageAssets: new Map(),
  };
  return pipelinesOf(new StackReader(stack, deployed.physicalIds));
}

function pipelinesOf(reader: StackReader): PipelineModel[] {
  const stack = reader.stack;
  const machines = stateMachines(reader);
  if (machines.length === 0) {
    return [];
  }
  const pipelines: PipelineModel[] = [];
  const bucketsById = buckets(reader);
  const functionsByArn = functions(reader);
  const triggers = uploadTriggers(reader, bucketsById);
  for (const stateMachine of machines) {
    const startsThis = (trigger: UploadTrigger) =>
      Object.values(functionsByArn.get(trigger.functionArn)?.environment ?? {}).includes(stateMachine.arn);
    const ownTriggers = triggers.filter(startsThis);
    if (ownTriggers.length === 0) {
      continue;
    }
    pipelines.push({
      stackName: stack.stackName,
      region: reader.region,
      account: reader.account,
      stateMachine,
      uploadTriggers: ownTriggers,
      buckets: bucketsById,
      functions: functionsByArn,
      fileSystems: fileSystems(reader),
      dataSyncLocations: dataSyncLocations(reader, bucketsById),
      dataSyncTasks: dataSyncTasks(reader),
      jobQueues: jobQueues(reader),
      jobDefinitions: jobDefinitions(reader),
      topics: topics(reader),
    });
  }
  return pipelines;
}

/**
 * The one pipeline to run: the only one, or the one whose stack (or state machine)
 * `selector` names. Fails with the candidates when there is none or more than one.
 */
export function selectPipeline(assembly: CloudAssembly, selector?: string): PipelineModel {
  const pipelines = discoverPipelines(assembly);
  const label = (pipeline: PipelineModel) => `${pipeline.stackName}/${pipeline.stateMachine.logicalId}`;
  if (pipelines.length === 0) {
    throw new LocalRuntimeError(`the cloud assembly ${assembly.directory} has no pipeline: no stack has a state machine started by a function `
      + 'that an S3 bucket notification invokes'
      + ` (stacks: ${assembly.stacks.map((stack) => stack.stackName).join(', ') || 'none'})`,
    'synthesize an app built with @batch-pipeline/pipeline (BatchPipeline) or @batch-pipeline/orchestration (PipelineOrchestration), '
      + 'and point --assembly at its cdk.out');
  }
  const chosen = selector ? pipelines.filter((pipeline) => pipeline.stackName === selector || label(pipeline) === selector) : pipelines;
  if (chosen.length === 1) {
    return chosen[0];
  }
  throw new LocalRuntimeError(selector
    ? `no pipeline matches --pipeline ${selector}; the assembly has: ${pipelines.map(label).join(', ')}`
    : `the cloud assembly has ${pipelines.length} pipelines: ${pipelines.map(label).join(', ')}`,
  'choose one with --pipeline <stack name> or --pipeline <stack name>/<state machine logical id>');
}

/** The app folder a cloud assembly came from (its parent), where job commands with relative paths run. */
export function defaultAppDirectory(assemblyDirectory: string): string {
  return path.dirname(path.resolve(assemblyDirectory));
}
