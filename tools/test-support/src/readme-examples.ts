import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ts from 'typescript';

/**
 * One TypeScript code block of a README (a fence whose info string starts with `ts` or
 * `typescript`), with the parameters of its fence as jsii-rosetta reads them:
 * `fixture=<name>`, `nofixture`, and the two this module adds:
 *
 * - `nosynth`: compiled by jsii-rosetta only (a fragment that builds nothing);
 * - `resources=<type>,<type>`: the CloudFormation types the example promises; the
 *   synthesized stack must hold at least one resource of each.
 */
export interface ReadmeExample {
  /** The README, relative to the package directory. */
  readonly file: string;
  /** Line of the opening fence (1-based), as jsii-rosetta names it (`README-L<line>`). */
  readonly line: number;
  /** The closest heading above the block. */
  readonly heading: string;
  readonly source: string;
  readonly parameters: Readonly<Record<string, string>>;
  /** False with `nosynth`. */
  readonly synthesizes: boolean;
  /** From `resources=`; empty when not given. */
  readonly resources: string[];
}

/** Every TypeScript block of a Markdown file, in order. */
export function readmeExamples(packageDir: string, file = 'README.md'): ReadmeExample[] {
  const lines = fs.readFileSync(path.join(packageDir, file), 'utf-8').split('\n');
  const examples: ReadmeExample[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]);
    if (!open) {
      const h = /^#{1,6}\s+(.*)$/.exec(lines[i]);
      if (h) heading = h[1].trim();
      continue;
    }
    const fence = open[2];
    const [language, ...rest] = open[3].trim().split(/\s+/);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].trim().startsWith(fence)) body.push(lines[j++]);
    if (language === 'ts' || language === 'typescript') {
      const parameters: Record<string, string> = {};
      for (const param of rest.filter((p) => p !== '')) {
        const [key, value] = param.split('=', 2);
        parameters[key] = value ?? '';
      }
      examples.push({
        file,
        line: i + 1,
        heading,
        source: body.join('\n'),
        parameters,
        synthesizes: !('nosynth' in parameters),
        resources: parameters.resources ? parameters.resources.split(',').filter((r) => r !== '') : [],
      });
    }
    i = j;
  }
  return examples;
}

/** Makes the value of a declared input (`declare const <name>: T;`) in `scope`. */
export type GivenValue = (scope: Stack, given: (name: string) => unknown) => unknown;

export interface RunExampleOptions {
  /** The package directory: its `rosetta/` holds the fixtures. */
  readonly packageDir: string;
  /** The stack the example builds in: `this` of the fixture. */
  readonly stack: Stack;
  /**
   * Loads a module the example (or its fixture) imports. Pass the test file's own `require`
   * (mapping the package's own name to `../src`), so the example shares the test's module
   * registry and aws-cdk-lib.
   */
  readonly require: (id: string) => unknown;
  /**
   * A concrete value for each input an example or fixture declares with `declare const`.
   * `stack` is the stack itself unless given here.
   */
  readonly given?: Readonly<Record<string, GivenValue>>;
  /** `__dirname` of the example (for `path.join(__dirname, 'job')`). */
  readonly dirname?: string;
}

/**
 * Runs a README example the way jsii-rosetta compiles it: its imports and `declare const`
 * inputs hoisted, the imports of its fixture added, the rest run with `this` bound to the
 * stack. Each declared input the example uses gets its concrete value from `given`. The
 * example is transpiled only: jsii-rosetta (`rosetta:extract`) type-checks it in the build.
 */
export function runExample(example: ReadmeExample, options: RunExampleOptions): void {
  const fixture = fixtureParts(example, options.packageDir);
  const snippet = splitSource(example.source);
  const declared = new Set([...fixture.declared, ...snippet.declared]);
  const local = topLevelNames(snippet.statements);
  const used = identifiers(snippet.statements);
  const inputs = [...declared].filter((name) => used.has(name) && !local.has(name));

  const values = new Map<string, unknown>();
  const givens = options.given ?? {};
  const given = (name: string): unknown => {
    if (!values.has(name)) {
      const make = givens[name] ?? (name === 'stack' ? () => options.stack : undefined);
      if (!make) {
        throw new Error(`${example.file}:${example.line} (${example.heading}) declares '${name}', which the test gives no value; `
          + 'add it to the test\'s given values, or mark the block `nosynth`');
      }
      values.set(name, make(options.stack, given));
    }
    return values.get(name);
  };

  const source = [
    fixture.imports,
    snippet.imports,
    'export function __example(__given: (name: string) => any) {',
    ...inputs.map((name) => `  const ${name} = __given(${JSON.stringify(name)});`),
    snippet.statements,
    '}',
  ].join('\n');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: `${example.file}-L${example.line}.ts`,
  }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('exports', 'require', 'module', '__filename', '__dirname', js)(
    module.exports, options.require, module, path.join(options.packageDir, example.file), options.dirname ?? options.packageDir);
  (module.exports.__example as (this: Stack, g: typeof given) => void).call(options.stack, given);
}

/**
 * Each resource type the example promises that the stack does not hold (empty when all are
 * there). Synthesizes the stack.
 */
export function missingResources(example: ReadmeExample, stack: Stack): string[] {
  const template = Template.fromStack(stack);
  return example.resources.filter((type) => Object.keys(template.findResources(type)).length === 0);
}

interface Parts {
  readonly imports: string;
  readonly declared: string[];
  readonly statements: string;
}

/** The imports and declared inputs of the example's fixture (its class is the runner's job). */
function fixtureParts(example: ReadmeExample, packageDir: string): Parts {
  if ('nofixture' in example.parameters) return { imports: '', declared: [], statements: '' };
  const name = example.parameters.fixture || 'default';
  const file = path.join(packageDir, 'rosetta', `${name}.ts-fixture`);
  if (!fs.existsSync(file)) {
    if (name === 'default') return { imports: '', declared: [], statements: '' };
    throw new Error(`${example.file}:${example.line} uses fixture=${name}, but ${file} does not exist`);
  }
  return splitSource(fs.readFileSync(file, 'utf-8'));
}

/** Splits a source into its imports, the names of its `declare` variables and the rest (as jsii-rosetta hoists them). */
function splitSource(source: string): Parts {
  const file = ts.createSourceFile('example.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let imports = '';
  let statements = '';
  const declared: string[] = [];
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) {
      imports += statement.getFullText(file);
    } else if (ts.isVariableStatement(statement) && statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) {
      for (const decl of statement.declarationList.declarations) {
        if (ts.isIdentifier(decl.name)) declared.push(decl.name.text);
      }
    } else {
      statements += statement.getFullText(file);
    }
  }
  return { imports, declared, statements };
}

/** Names the statements declare at their top level (they shadow a given input of the same name). */
function topLevelNames(statements: string): Set<string> {
  const file = ts.createSourceFile('example.ts', statements, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const names = new Set<string>();
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const decl of statement.declarationList.declarations) {
        if (ts.isIdentifier(decl.name)) names.add(decl.name.text);
      }
    } else if ((ts.isClassDeclaration(statement) || ts.isFunctionDeclaration(statement)) && statement.name) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/**
 * Every name the statements refer to as a value (shorthand properties such as `{ network }`
 * included; property names such as `x.stateMachine` or `{ stateMachine: 1 }` not).
 */
function identifiers(statements: string): Set<string> {
  const file = ts.createSourceFile('example.ts', statements, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    const parent = node.parent;
    const isPropertyName = parent !== undefined && (
      (ts.isPropertyAccessExpression(parent) && parent.name === node)
      || (ts.isPropertyAssignment(parent) && parent.name === node)
      || (ts.isQualifiedName(parent) && parent.right === node));
    if (ts.isIdentifier(node) && !isPropertyName) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names;
}

/**
 * Type-checks an example as jsii-rosetta would compile it (for a project that jsii-rosetta
 * does not run on, such as the example app): the fixture with `/// here` replaced by the
 * example, the example's imports and `declare const` hoisted to the top. The file is compiled
 * as if it were `<packageDir>/<asFile>`, with the compiler options of `<packageDir>/tsconfig.json`.
 * Returns one line per diagnostic (empty when it compiles).
 */
export function typeCheckExample(example: ReadmeExample, packageDir: string, asFile: string): string[] {
  const complete = completeSource(example, packageDir);
  const fileName = path.join(packageDir, asFile);
  const config = ts.getParsedCommandLineOfConfigFile(path.join(packageDir, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  const options: ts.CompilerOptions = { ...config!.options, noEmit: true, skipLibCheck: true, noUnusedLocals: false };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) => (path.resolve(name) === fileName
    ? ts.createSourceFile(name, complete, languageVersion, true)
    : getSourceFile(name, languageVersion, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName)).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    return `${example.file}:${example.line}${where ? ` (fixture line ${where.line + 1})` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

/** The example inside its fixture, as jsii-rosetta builds it. */
export function completeSource(example: ReadmeExample, packageDir: string): string {
  const { imports, declarations, statements } = hoist(example.source);
  const name = 'nofixture' in example.parameters ? undefined : example.parameters.fixture || 'default';
  const file = name ? path.join(packageDir, 'rosetta', `${name}.ts-fixture`) : undefined;
  const fixture = file && fs.existsSync(file) ? fs.readFileSync(file, 'utf-8') : '/// here';
  return `${imports}${declarations}\n${fixture.replace(/[/]{3}[ \t]*here[ \t]*$/im, () => statements)}`;
}

function hoist(source: string): { imports: string; declarations: string; statements: string } {
  const file = ts.createSourceFile('example.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let imports = '';
  let declarations = '';
  let statements = '';
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) imports += statement.getFullText(file);
    else if (ts.isVariableStatement(statement) && statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) declarations += statement.getFullText(file);
    else statements += statement.getFullText(file);
  }
  return { imports, declarations, statements };
}
