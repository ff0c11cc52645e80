import { NAME_PROPERTIES, Placement, PhysicalIds, physicalIds } from './physical-ids';

/** One resource of a template, with the resolver of the template it belongs to. */
export interface TemplateResource {
  readonly logicalId: string;
  readonly type: string;
  /** The raw properties; resolve what you read with `template.resolve`. */
  readonly properties: Record<string, any>;
  readonly template: TemplateResolver;
}

const NO_VALUE = Symbol('AWS::NoValue');

/**
 * Resolves the intrinsic functions of one synthesized template (Ref, Fn::GetAtt, Fn::Join,
 * Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::ImportValue, pseudo parameters) to concrete strings.
 * Every resource gets deterministic identifiers (see `physicalIds`), so two policies that name the
 * same resource in different ways (a `Ref` here, a `Fn::Join` of its id there) resolve to the same ARN.
 */
export class TemplateResolver {
  private readonly ids = new Map<string, PhysicalIds>();
  private readonly resolving = new Set<string>();

  /**
   * @param template the template JSON (`Template.fromStack(stack).toJSON()`)
   * @param stackKey '' for the first template, a prefix that keeps the names of later templates apart
   * @param place the account and region of pseudo parameters and ARNs
   * @param imports the exports of every template checked together, by export name
   */
  constructor(
    public readonly template: Record<string, any>,
    public readonly stackKey: string,
    public readonly place: Placement,
    private readonly imports: (name: string) => unknown,
  ) {}

  /** The template's resources whose condition (if any) holds. */
  public resources(): TemplateResource[] {
    return Object.entries<any>(this.template.Resources ?? {})
      .filter(([, resource]) => resource.Condition === undefined || this.condition(resource.Condition))
      .map(([logicalId, resource]) => ({ logicalId, type: resource.Type, properties: resource.Properties ?? {}, template: this }));
  }

  /** `Ref` and `Fn::GetAtt` values of a resource of this template. */
  public physicalIds(logicalId: string): PhysicalIds {
    const cached = this.ids.get(logicalId);
    if (cached) return cached;
    const resource = this.template.Resources?.[logicalId];
    if (!resource) throw new Error(`IAM check: the template has no resource or parameter '${logicalId}'`);
    if (this.resolving.has(logicalId)) throw new Error(`IAM check: the name of '${logicalId}' depends on itself`);
    this.resolving.add(logicalId);
    try {
      const props = resource.Properties ?? {};
      const nameProperty = NAME_PROPERTIES[resource.Type];
      const explicitName = nameProperty !== undefined ? this.resolve(props[nameProperty]) : undefined;
      const idProps: Record<string, any> = {};
      for (const key of ['Path', 'FifoQueue', 'FifoTopic', 'EventBusName', 'AliasName', 'CidrBlock', 'VpcId', 'AvailabilityZone', 'Type']) {
        if (props[key] !== undefined) idProps[key] = this.resolve(props[key]);
      }
      const ids = physicalIds({
        logicalId,
        stackKey: this.stackKey,
        type: resource.Type,
        explicitName: typeof explicitName === 'string' ? explicitName : undefined,
        properties: idProps,
      }, this.place);
      this.ids.set(logicalId, ids);
      return ids;
    } finally {
      this.resolving.delete(logicalId);
    }
  }

  /** The value with every intrinsic function replaced by what it evaluates to. */
  public resolve(value: unknown): any {
    const resolved = this.resolveValue(value);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  /** The value resolved and, when it is a JSON string (a policy written with Fn::Join), parsed. */
  public resolveDocument(value: unknown): any {
    const resolved = this.resolve(value);
    return typeof resolved === 'string' ? JSON.parse(resolved) : resolved;
  }

  private resolveValue(value: unknown): any {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolveValue(item)).filter((item) => item !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0];
      const intrinsic = this.intrinsic(key, arg);
      if (intrinsic.handled) return intrinsic.value;
    }
    const result: Record<string, any> = {};
    for (const [key, item] of entries) {
      const resolved = this.resolveValue(item);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  }

  private intrinsic(key: string, arg: any): { handled: boolean; value?: any } {
    switch (key) {
      case 'Ref':
        return { handled: true, value: this.ref(String(arg)) };
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
        return { handled: true, value: this.getAtt(logicalId, this.resolve(attribute)) };
      }
      case 'Fn::Join': {
        const [separator, parts] = arg;
        return { handled: true, value: (this.resolve(parts) as unknown[]).map(String).join(separator) };
      }
      case 'Fn::Sub':
        return { handled: true, value: this.sub(arg) };
      case 'Fn::Select': {
        const [index, list] = arg;
        return { handled: true, value: (this.resolve(list) as unknown[])[Number(this.resolve(index))] };
      }
      case 'Fn::Split': {
        const [separator, source] = arg;
        return { handled: true, value: String(this.resolve(source)).split(separator) };
      }
      case 'Fn::GetAZs':
        return { handled: true, value: ['a', 'b', 'c'].map((zone) => `${this.place.region}${zone}`) };
      case 'Fn::ImportValue':
        return { handled: true, value: this.imports(String(this.resolve(arg))) };
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = arg;
        return { handled: true, value: this.resolveValue(this.condition(condition) ? whenTrue : whenFalse) };
      }
      case 'Fn::Base64':
        return { handled: true, value: Buffer.from(String(this.resolve(arg))).toString('base64') };
      default:
        return { handled: false };
    }
  }

  private ref(name: string): any {
    switch (name) {
      case 'AWS::Partition': return 'aws';
      case 'AWS::Region': return this.place.region;
      case 'AWS::AccountId': return this.place.account;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::StackName': return `${this.stackKey}Stack`;
      case 'AWS::StackId': return `arn:aws:cloudformation:${this.place.region}:${this.place.account}:stack/${this.stackKey}Stack/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NotificationARNs': return [];
      case 'AWS::NoValue': return NO_VALUE;
      default: break;
    }
    const parameter = this.template.Parameters?.[name];
    if (parameter) return parameter.Default ?? `<parameter ${name}>`;
    return this.physicalIds(name).ref;
  }

  private getAtt(logicalId: string, attribute: string): string {
    // An attribute this check does not model still resolves the same way everywhere it is used.
    return this.physicalIds(logicalId).attributes[attribute] ?? `${this.physicalIds(logicalId).ref}.${attribute}`;
  }

  private sub(arg: any): string {
    const [text, variables] = Array.isArray(arg) ? arg : [arg, {}];
    const values: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(variables ?? {})) values[name] = this.resolve(value);
    return String(text).replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in values) return String(values[name]);
      if (!name.startsWith('AWS::') && name.includes('.')) {
        const [logicalId, attribute] = name.split(/\.(.*)/s);
        return this.getAtt(logicalId, attribute);
      }
      return whole === '' ? '' : String(this.ref(name));
    });
  }

  private condition(condition: any): boolean {
    if (typeof condition === 'string') return this.condition(this.template.Conditions?.[condition]);
    if (typeof condition === 'boolean') return condition;
    const [[key, arg]] = Object.entries<any>(condition ?? { 'Fn::Equals': [1, 1] });
    switch (key) {
      case 'Fn::Equals': return String(this.resolve(arg[0])) === String(this.resolve(arg[1]));
      case 'Fn::Not': return !this.condition(arg[0]);
      case 'Fn::And': return (arg as any[]).every((c) => this.condition(c));
      case 'Fn::Or': return (arg as any[]).some((c) => this.condition(c));
      case 'Condition': return this.condition(String(arg));
      default: return Boolean(this.resolve(condition));
    }
  }
}
