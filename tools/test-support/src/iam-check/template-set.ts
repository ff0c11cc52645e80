import { Placement } from './physical-ids';
import { TemplateResolver, TemplateResource } from './template-resolver';

/**
 * The templates checked together (one app's stacks), each with its resolver, and look-ups across
 * them by resolved identifier: a role or a topic of one stack is found from an ARN another stack imports.
 */
export class TemplateSet {
  public readonly templates: TemplateResolver[];
  private readonly byIdentifier = new Map<string, TemplateResource>();
  private readonly allResources: TemplateResource[];

  constructor(templates: Record<string, any>[], public readonly place: Placement) {
    const exports = new Map<string, { template: TemplateResolver; value: unknown }>();
    const importValue = (name: string) => {
      const found = exports.get(name);
      if (!found) throw new Error(`IAM check: no template exports '${name}'; pass the exporting stack's template too`);
      return found.template.resolve(found.value);
    };
    this.templates = templates.map((template, index) => new TemplateResolver(template, index === 0 ? '' : `S${index}`, place, importValue));
    for (const resolver of this.templates) {
      for (const output of Object.values<any>(resolver.template.Outputs ?? {})) {
        if (output.Export?.Name !== undefined) exports.set(String(resolver.resolve(output.Export.Name)), { template: resolver, value: output.Value });
      }
    }
    this.allResources = this.templates.flatMap((resolver) => resolver.resources());
    for (const resource of this.allResources) {
      const ids = resource.template.physicalIds(resource.logicalId);
      for (const identifier of [ids.ref, ...Object.values(ids.attributes)]) {
        if (!this.byIdentifier.has(identifier)) this.byIdentifier.set(identifier, resource);
      }
    }
  }

  /** Every resource of every template. */
  public resources(type?: string): TemplateResource[] {
    return type === undefined ? this.allResources : this.allResources.filter((resource) => resource.type === type);
  }

  /** The resource a resolved identifier (ARN, name, id, URL) belongs to, if one of the templates defines it. */
  public find(identifier: string, type?: string): TemplateResource | undefined {
    const resource = this.byIdentifier.get(identifier);
    return resource && (type === undefined || resource.type === type) ? resource : undefined;
  }

  /** An attribute (`Arn`, `TopicArn` ...) of a resource. */
  public attribute(resource: TemplateResource, attribute: string): string {
    return resource.template.physicalIds(resource.logicalId).attributes[attribute];
  }

  /** What `Ref` returns for a resource. */
  public ref(resource: TemplateResource): string {
    return resource.template.physicalIds(resource.logicalId).ref;
  }

  /** A resolved property of a resource. */
  public property(resource: TemplateResource, path: string): any {
    let value: any = resource.properties;
    for (const key of path === '' ? [] : path.split('.')) value = value?.[key];
    return resource.template.resolve(value);
  }

  /** The ARN of a KMS key given as its id, its ARN or an alias of the templates; undefined for AWS managed keys. */
  public keyArn(keyIdOrArn: string | undefined): string | undefined {
    if (keyIdOrArn === undefined || keyIdOrArn.includes('alias/aws/')) return undefined;
    const alias = this.resources('AWS::KMS::Alias').find((resource) => this.property(resource, 'AliasName') === keyIdOrArn.replace(/^arn:[^:]+:kms:[^:]*:[^:]*:/, ''));
    if (alias) return this.keyArn(this.property(alias, 'TargetKeyId'));
    const key = this.find(keyIdOrArn, 'AWS::KMS::Key');
    if (key) return this.attribute(key, 'Arn');
    return keyIdOrArn.startsWith('arn:') ? keyIdOrArn : `arn:aws:kms:${this.place.region}:${this.place.account}:key/${keyIdOrArn}`;
  }
}
