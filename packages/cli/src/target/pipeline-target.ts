import { DescribeStacksCommand, GetTemplateCommand, paginateListStackResources, Stack } from '@aws-sdk/client-cloudformation';
import { discoverDeployedPipelines, PipelineModel } from '@batch-pipeline/local';
import { AwsClients, Connection } from './aws-clients';
import { explainAwsError } from './aws-errors';
import { startInProcessRuntime } from './in-process-runtime';
import { jobLogGroupsOf, ReportLocation, reportLocationOf, WorkspaceFunction, workspaceFunctionOf } from './run-locations';
import { checkStackStatus } from './stack-status';
import { CliError } from '../cli-error';

/** A deployed (or served) pipeline and the clients that reach it: what every operations command works on. */
export interface PipelineTarget {
  readonly clients: AwsClients;
  readonly stackName: string;
  readonly model: PipelineModel;
  readonly stateMachineArn: string;
  /** The watched upload location (the first upload trigger). */
  readonly upload: { readonly bucket: string; readonly prefix: string; readonly suffix?: string; readonly versioned: boolean };
  readonly reports?: ReportLocation;
  readonly workspaceFunction?: WorkspaceFunction;
  /** The log group of each job definition (by name), from the template. */
  readonly jobLogGroups: ReadonlyMap<string, string>;
  /** The stack's template resources, as deployed (what `cost` prices). */
  readonly resources: Readonly<Record<string, any>>;
  /** The target's options as the user gave them (`--endpoint-url URL`, `--stack S --region R`), for hints naming a next command. */
  readonly targetArgs: string;
}

export interface TargetOptions {
  readonly connection: Connection;
  readonly stack?: string;
  readonly pipeline?: string;
  /** Without a stack and an endpoint: the local runtime's options for the app folder's pipeline in this process. */
  readonly local?: readonly string[];
  /** The target's options as given on the command line, for hints (see ParsedCommandLine.targetArgs). */
  readonly targetArgs?: string;
}

interface DeployedTemplate {
  readonly stack: Stack;
  readonly template: { Resources: Record<string, any>; Parameters?: Record<string, any> };
  readonly physicalIds: Map<string, string>;
}

/** Sends one call; an SDK error the user can fix becomes a CliError. */
export async function call<T>(where: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw explainAwsError(error, where) ?? error;
  }
}

async function readStack(clients: AwsClients, stack: Stack): Promise<DeployedTemplate> {
  const stackName = stack.StackName!;
  checkStackStatus(stackName, stack.StackStatus ?? '', stack.StackStatusReason);
  const body = (await call('GetTemplate',
    () => clients.cloudFormation.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' })))).TemplateBody ?? '';
  let template;
  try {
    template = JSON.parse(body);
  } catch {
    throw new CliError(`the template of ${stackName} is not JSON (a YAML template?)`, 'deploy the stack from a CDK app (CDK templates are JSON)');
  }
  const physicalIds = new Map<string, string>();
  try {
    for await (const page of paginateListStackResources({ client: clients.cloudFormation }, { StackName: stackName })) {
      for (const resource of page.StackResourceSummaries ?? []) {
        if (resource.LogicalResourceId && resource.PhysicalResourceId) physicalIds.set(resource.LogicalResourceId, resource.PhysicalResourceId);
      }
    }
  } catch (error) {
    throw explainAwsError(error, 'ListStackResources') ?? error;
  }
  return { stack, template: { Resources: template.Resources ?? {}, Parameters: template.Parameters }, physicalIds };
}

function pipelinesOf(deployed: DeployedTemplate): PipelineModel[] {
  const [, , , region, account] = (deployed.stack.StackId ?? '').split(':');
  return discoverDeployedPipelines({
    stackName: deployed.stack.StackName!,
    region: region || 'us-east-1',
    account: account || '000000000000',
    template: deployed.template,
    physicalIds: deployed.physicalIds,
  });
}

async function describeStacks(clients: AwsClients, stackName?: string): Promise<Stack[]> {
  try {
    const stacks: Stack[] = [];
    let nextToken: string | undefined;
    do {
      const page = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName, NextToken: nextToken }));
      stacks.push(...page.Stacks ?? []);
      nextToken = page.NextToken;
    } while (nextToken);
    return stacks;
  } catch (error) {
    const message = (error as Error).message ?? '';
    if (stackName && (error as Error).name === 'ValidationError' && /does not exist/.test(message)) {
      throw new CliError(`there is no stack ${stackName} at ${clients.describe()}`,
        'check the name (`aws cloudformation list-stacks`), --region and --profile; the name is the stack name `cdk deploy` printed');
    }
    throw explainAwsError(error, 'DescribeStacks') ?? error;
  }
}

function choose(pipelines: PipelineModel[], selector: string | undefined, where: string): PipelineModel {
  const label = (pipeline: PipelineModel) => `${pipeline.stackName}/${pipeline.stateMachine.logicalId}`;
  const chosen = selector === undefined ? pipelines
    : pipelines.filter((pipeline) => pipeline.stateMachine.logicalId === selector || label(pipeline) === selector || pipeline.stackName === selector);
  if (chosen.length === 1) return chosen[0];
  if (selector !== undefined) {
    throw new CliError(`no pipeline ${selector} in ${where}; there are: ${pipelines.map(label).join(', ')}`, 'pass one of them with --pipeline');
  }
  throw new CliError(`${where} holds ${pipelines.length} pipelines: ${pipelines.map(label).join(', ')}`, 'choose one with --pipeline <state '
    + 'machine logical id>');
}

/**
 * Finds the pipeline to work on: the stack's deployed template and physical ids (GetTemplate,
 * ListStackResources) read by the local runtime's discovery, the same as for a cloud assembly.
 * With an endpoint and no stack, the one stack of the served runtime that holds a pipeline.
 */
export async function resolveTarget(options: TargetOptions): Promise<PipelineTarget> {
  if (options.stack === undefined && options.connection.endpointUrl === undefined) {
    // Local: the app folder's pipeline in this process, reached through its endpoint like a served one.
    const served = await startInProcessRuntime(options.local ?? [], (line) => console.error(line));
    return resolveTarget({ ...options, connection: { endpointUrl: served.endpoint } });
  }
  const clients = new AwsClients(options.connection);
  const stacks = await describeStacks(clients, options.stack);
  let model: PipelineModel;
  let deployed: DeployedTemplate;
  if (options.stack !== undefined) {
    deployed = await readStack(clients, stacks[0]);
    const pipelines = pipelinesOf(deployed);
    if (pipelines.length === 0) {
      const types = new Set(Object.values(deployed.template.Resources).map((resource: any) => resource.Type));
      throw new CliError(`the stack ${options.stack} holds no pipeline: no state machine that a function starts when an S3 bucket `
        + 'notification invokes it'
        + ` (${Object.keys(deployed.template.Resources).length} resources, `
        + `${types.has('AWS::StepFunctions::StateMachine') ? 'a state machine but no upload trigger' : 'no state machine'})`,
      'pass the stack that holds your BatchPipeline (`aws cloudformation list-stacks`; the stack name `cdk deploy` printed)');
    }
    model = choose(pipelines, options.pipeline, `the stack ${options.stack}`);
  } else {
    const found: Array<{ deployed: DeployedTemplate; pipelines: PipelineModel[] }> = [];
    for (const stack of stacks) {
      const candidate = await readStack(clients, stack);
      const pipelines = pipelinesOf(candidate);
      if (pipelines.length > 0) found.push({ deployed: candidate, pipelines });
    }
    const all = found.flatMap((entry) => entry.pipelines);
    if (all.length === 0) {
      throw new CliError(`${clients.describe()} serves no pipeline (stacks: ${stacks.map((stack) => stack.StackName).join(', ') || 'none'})`,
        'serve an app built with BatchPipeline, or pass --stack with the endpoint');
    }
    model = choose(all, options.pipeline, clients.describe());
    deployed = found.find((entry) => entry.pipelines.includes(model))!.deployed;
  }
  const trigger = model.uploadTriggers[0];
  return {
    clients,
    stackName: model.stackName,
    model,
    stateMachineArn: model.stateMachine.arn,
    upload: { bucket: trigger.bucket.name, prefix: trigger.prefix ?? '', suffix: trigger.suffix, versioned: trigger.bucket.versioned },
    reports: reportLocationOf(model),
    workspaceFunction: workspaceFunctionOf(model, deployed.template.Resources, deployed.physicalIds),
    jobLogGroups: jobLogGroupsOf(model, deployed.template.Resources, deployed.physicalIds),
    resources: deployed.template.Resources,
    targetArgs: options.targetArgs ?? '',
  };
}
