import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The Lambda handlers bundle the AWS SDK at build time; it is a development
 * dependency, so a consumer of the construct library does not have it. Every
 * module the library loads from its entry point must therefore do without it.
 */
function modulesReachableFrom(entry: string): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const visit = (file: string) => {
    if (reached.has(file)) {
      return;
    }
    const source = readFileSync(file, 'utf-8');
    const specifiers = [...source.matchAll(/^(?:import|export)(?!\s+type\b)[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1]);
    reached.set(file, specifiers);
    for (const specifier of specifiers.filter((name) => name.startsWith('.'))) {
      visit(path.resolve(path.dirname(file), `${specifier}.ts`));
    }
  };
  visit(entry);
  return reached;
}

describe('the construct library', () => {
  test('loads no module of the AWS SDK that only the Lambda bundles carry', () => {
    const reached = modulesReachableFrom(path.join(__dirname, '..', 'src', 'index.ts'));
    const sdkImports = [...reached.entries()]
      .flatMap(([file, specifiers]) => specifiers.filter((name) => name.startsWith('@aws-sdk/')).map((name) => `${path.relative(path.join(__dirname, '..'), file)} -> ${name}`));
    expect(reached.size).toBeGreaterThan(10);
    expect(sdkImports).toEqual([]);
  });
});
