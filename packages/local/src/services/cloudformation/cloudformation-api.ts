import { IncomingMessage, ServerResponse } from 'node:http';
import { AssemblyStack, CloudAssembly } from '../../assembly/cloud-assembly';
import { LOCAL_DEFAULT_ENVIRONMENT } from '../../assembly/discover-pipelines';
import { resolveValue } from '../../assembly/intrinsics';
import { LocalIdentifiers } from '../../assembly/local-identifiers';
import { readBody } from '../../serve/aws-json-protocol';
import { escapeXml } from '../s3/s3-errors';

const NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
/** ListStackResources returns up to 100 summaries a page. */
const RESOURCES_PER_PAGE = 100;

class CloudFormationError extends Error {
  public constructor(public readonly code: string, message: string, public readonly status = 400) {
    super(message);
  }
}

/** A value of the Query protocol's XML: lists as `<member>`s, dates in ISO 8601. */
function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined)
      .map(([name, item]) => `<${name}>${toXml(item)}</${name}>`).join('');
  }
  return escapeXml(String(value));
}

/** One stack as the served runtime shows it: deployed (CREATE_COMPLETE) when the runtime started, names and ARNs its own. */
interface ServedStack {
  readonly stack: AssemblyStack;
  readonly stackId: string;
  readonly identifiers: LocalIdentifiers;
  readonly region: string;
  readonly account: string;
}

/**
 * CloudFormation over the Query protocol (form-encoded `Action`, XML answers) for the stacks of
 * the served assembly: DescribeStacks (status CREATE_COMPLETE, the template's Outputs with their
 * values resolved as the runtime resolves intrinsics), ListStackResources (each resource's
 * physical id as the runtime names it) and GetTemplate. Any other action is `InvalidAction`;
 * an unknown stack `ValidationError` ("Stack with id ... does not exist"), as CloudFormation answers.
 */
export class CloudFormationApi {
  private readonly stacks: ServedStack[];
  private readonly created = new Date();

  public constructor(assembly: CloudAssembly) {
    this.stacks = assembly.stacks.map((stack) => {
      const region = stack.region ?? LOCAL_DEFAULT_ENVIRONMENT.region;
      const account = stack.account ?? LOCAL_DEFAULT_ENVIRONMENT.account;
      const parameters = Object.fromEntries(Object.entries(stack.template.Parameters ?? {})
        .filter(([, parameter]) => parameter.Default !== undefined).map(([name, parameter]) => [name, String(parameter.Default)]));
      const identifiers = new LocalIdentifiers(stack.stackName, stack.template.Resources, region, account, parameters);
      const stackId = resolveValue({ Ref: 'AWS::StackId' }, { region, account, references: identifiers, where: stack.stackName }) as string;
      return { stack, stackId, identifiers, region, account };
    });
  }

  public async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = `local-${Date.now().toString(36)}`;
    const query = new URLSearchParams(request.url?.split('?')[1] ?? '');
    const body = await readBody(request);
    const params = new URLSearchParams(body);
    for (const [name, value] of query) if (!params.has(name)) params.set(name, value);
    const action = params.get('Action') ?? '';
    try {
      const result = this.perform(action, params);
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(`<${action}Response xmlns="${NAMESPACE}"><${action}Result>${toXml(result)}</${action}Result>`
        + `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`);
    } catch (error) {
      const failure = error instanceof CloudFormationError ? error : new CloudFormationError('InternalFailure', String(error), 500);
      response.writeHead(failure.status, { 'content-type': 'text/xml' });
      response.end(`<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${failure.status < 500 ? 'Sender' : 'Receiver'}</Type>`
        + `<Code>${escapeXml(failure.code)}</Code><Message>${escapeXml(failure.message)}</Message></Error>`
        + `<RequestId>${requestId}</RequestId></ErrorResponse>`);
    }
  }

  private perform(action: string, params: URLSearchParams): Record<string, unknown> {
    switch (action) {
      case 'DescribeStacks': {
        const name = params.get('StackName');
        const stacks = name === null ? this.stacks : [this.stack(name)];
        return { Stacks: stacks.map((served) => this.describe(served)) };
      }
      case 'ListStackResources': {
        const served = this.stack(params.get('StackName'));
        const all = Object.entries(served.stack.template.Resources);
        const token = params.get('NextToken');
        const offset = token === null ? 0 : Number(Buffer.from(token, 'base64').toString('utf-8').replace(/^resources:/, ''));
        if (!Number.isInteger(offset) || offset < 0 || (token !== null && !Buffer.from(token, 'base64').toString('utf-8').startsWith('resources:'))) {
          throw new CloudFormationError('ValidationError', `Invalid NextToken: ${token}`);
        }
        const pageItems = all.slice(offset, offset + RESOURCES_PER_PAGE);
        return {
          StackResourceSummaries: pageItems.map(([logicalId, resource]) => ({
            LogicalResourceId: logicalId,
            PhysicalResourceId: physicalId(served, logicalId),
            ResourceType: resource.Type,
            LastUpdatedTimestamp: this.created,
            ResourceStatus: 'CREATE_COMPLETE',
            DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
          })),
          NextToken: offset + RESOURCES_PER_PAGE < all.length
            ? Buffer.from(`resources:${offset + RESOURCES_PER_PAGE}`).toString('base64')
            : undefined,
        };
      }
      case 'GetTemplate': {
        const served = this.stack(params.get('StackName'));
        const stage = params.get('TemplateStage') ?? 'Original';
        if (stage !== 'Original' && stage !== 'Processed') {
          throw new CloudFormationError('ValidationError', `1 validation error detected: Value '${stage}' at 'templateStage' failed to satisfy `
            + 'constraint: Member must satisfy enum value set: [Original, Processed]');
        }
        return { TemplateBody: JSON.stringify(served.stack.template, undefined, 1), StagesAvailable: ['Original', 'Processed'] };
      }
      case '':
        throw new CloudFormationError('MissingAction', 'Missing Action');
      default:
        throw new CloudFormationError('InvalidAction', `The action ${action} is not valid for this web service (the local runtime serves `
          + 'DescribeStacks, ListStackResources and GetTemplate).');
    }
  }

  /** A stack by name or stack id; `ValidationError` as CloudFormation answers for one that does not exist. */
  private stack(name: string | null): ServedStack {
    if (name === null || name === '') {
      throw new CloudFormationError('ValidationError', '1 validation error detected: '
      + "Value null at 'stackName' failed to satisfy constraint: Member must not be null");
    }
    const found = this.stacks.find((served) => served.stack.stackName === name || served.stackId === name);
    if (!found) throw new CloudFormationError('ValidationError', `Stack with id ${name} does not exist`);
    return found;
  }

  private describe(served: ServedStack): Record<string, unknown> {
    const outputs = Object.entries<Record<string, any>>(served.stack.template.Outputs ?? {}).map(([key, output]) => {
      const context = {
        region: served.region, account: served.account, references: served.identifiers, where: `${served.stack.stackName}/Outputs/${key}`,
      };
      let value: string | undefined;
      try {
        value = String(resolveValue(output.Value, context));
      } catch {
        // An import or a condition the runtime does not resolve: the output is listed without a value.
      }
      return {
        OutputKey: key,
        OutputValue: value,
        Description: output.Description,
        ExportName: output.Export?.Name !== undefined ? safeResolve(output.Export.Name, context) : undefined,
      };
    });
    return {
      StackId: served.stackId,
      StackName: served.stack.stackName,
      Description: (served.stack.template as { Description?: string }).Description,
      Parameters: Object.entries(served.stack.template.Parameters ?? {})
        .map(([key, parameter]) => ({ ParameterKey: key, ParameterValue: parameter.Default })),
      CreationTime: this.created,
      StackStatus: 'CREATE_COMPLETE',
      DisableRollback: false,
      NotificationARNs: [],
      Outputs: outputs,
      Tags: [],
      EnableTerminationProtection: false,
      DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
    };
  }
}

function safeResolve(value: unknown, context: Parameters<typeof resolveValue>[1]): string | undefined {
  try {
    return String(resolveValue(value, context));
  } catch {
    return undefined;
  }
}

/** What ListStackResources names as a resource's physical id: its `Ref` value as the runtime resolves it. */
function physicalId(served: ServedStack, logicalId: string): string {
  try {
    return served.identifiers.ref(logicalId) ?? logicalId;
  } catch {
    return logicalId;
  }
}
