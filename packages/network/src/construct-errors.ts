import { IConstruct } from 'constructs';

// The one error mechanism of the construct packages. Every construct that validates its props
// gets its `ConstructErrors` first (`ConstructErrors.of(this, 'BatchProcessor')`), and a composite
// tells each part, before creating it, how the user named it (`errors.tellPart('Processor', 'processorProps')`).
// So an error is born naming the construct the user built and the prop as they wrote it, in their
// language: nothing is caught and rewritten. Not exported from the package index (it is not part of
// the jsii API); the other construct packages import `@batch-pipeline/network/lib/construct-errors`.

/** How a part is named: by the composite the user built, and a mapping of the part's props to the user's. */
interface Naming {
  /** `BatchPipeline 'Pipeline'` */
  readonly label: string;
  /** A part's prop (a dotted path) as the user wrote it, in camelCase. */
  readonly path: (prop: string) => string;
}

/** What composites told about their parts: composite -> part id -> naming. */
const told = new WeakMap<IConstruct, Map<string, Naming>>();

/** The errors of one construct: `<Type> '<id>': <message>`, or as its composite named it. */
export class ConstructErrors {
  /** The errors of `construct`, a `typeName`: named as its composite told, else by its own type and id. */
  public static of(construct: IConstruct, typeName: string): ConstructErrors {
    const scope = construct.node.scope;
    const naming = scope ? told.get(scope)?.get(construct.node.id) : undefined;
    return new ConstructErrors(naming ?? { label: `${typeName} '${construct.node.id}'`, path: (prop) => prop });
  }

  /** The construct as the user built it, `BatchPipeline 'Pipeline'`. */
  public readonly label: string;

  private constructor(private readonly naming: Naming, private readonly agent = process.env.JSII_AGENT) {
    this.label = naming.label;
  }

  /**
   * Tells the part `partId` that `scope` is about to create how the user named it: by this
   * construct's label, its props under `path` of this construct's props (`''`: this construct's own
   * props), except those in `renames` (part prop -> this construct's prop, `sourcePrefix` -> `watchPrefix`).
   * Call it before creating the part.
   */
  public tellPart(scope: IConstruct, partId: string, path: string, renames: Readonly<Record<string, string>> = {}): void {
    const parts = told.get(scope) ?? new Map<string, Naming>();
    told.set(scope, parts);
    const outer = this.naming;
    parts.set(partId, {
      label: outer.label,
      path: (prop) => {
        const [first, ...rest] = prop.split('.');
        const renamed = renames[first];
        if (renamed !== undefined) return outer.path([renamed, ...rest].join('.'));
        return outer.path(path === '' ? prop : `${path}.${prop}`);
      },
    });
  }

  /**
   * A prop (or a dotted path under it) as the user wrote it, quoted: `'processorProps.memoryMiB'`
   * in TypeScript, JavaScript and Java, `'processor_props.memory_mib'` in Python,
   * `'ProcessorProps.MemoryMiB'` in Go and .NET (the jsii runtime says which in `JSII_AGENT`).
   */
  public prop(prop: string): string {
    return `'${inLanguage(this.naming.path(prop), this.agent)}'`;
  }

  /** `<label>: <message>`; the message names props with `prop()`. */
  public error(message: string): Error {
    return new Error(`${this.label}: ${message}`);
  }

  /** `<label>: '<prop>' <value> is not valid; allowed: <allowed>` */
  public invalid(prop: string, value: string, allowed: string): Error {
    return this.error(`${this.prop(prop)} ${value} is not valid; allowed: ${allowed}`);
  }
}

/** A camelCase prop path in the naming convention of the jsii consumer's language. */
export function inLanguage(path: string, agent: string | undefined): string {
  const language = (agent ?? '').split('/')[0].toLowerCase();
  const convert = language === 'python' ? snakeCase
    : language === 'golang' || language === 'dotnet' ? pascalCase
      : (name: string) => name;
  return path.split('.').map(convert).join('.');
}

/** jsii-pacmak's Python names (codemaker's `toSnakeCase`): `memoryMiB` -> `memory_mib`. */
function snakeCase(name: string): string {
  const abbreviated = name.replace(/(^|[^A-Z])(KiB|MiB|GiB)($|[^a-z])/g, (_all, before: string, abbr: string, after: string) =>
    before + abbr[0].toUpperCase() + abbr.slice(1).toLowerCase() + after);
  return abbreviated
    .replace(/([\p{Ll}\d])(\p{Lu})/gu, '$1_$2')
    .replace(/(\p{Lu}+)(\p{Lu}[\p{Ll}\d]+)/gu, '$1_$2')
    .toLowerCase();
}

function pascalCase(name: string): string {
  return name.slice(0, 1).toUpperCase() + name.slice(1);
}
