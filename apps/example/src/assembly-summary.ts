import * as path from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';

/** One line per stack of a synthesized cloud assembly: template path and resource counts by type. */
export function summarizeAssembly(assembly: CloudAssembly, cwd = process.cwd()): string {
  const lines = [`Cloud assembly written to ${path.relative(cwd, assembly.directory) || '.'}`];
  for (const stack of assembly.stacks) {
    const resources = Object.values(stack.template.Resources ?? {}) as Array<{ Type: string }>;
    const byType = new Map<string, number>();
    for (const resource of resources) {
      byType.set(resource.Type, (byType.get(resource.Type) ?? 0) + 1);
    }
    lines.push(`- ${stack.displayName}: ${path.relative(cwd, path.join(assembly.directory, stack.templateFile))}, ${resources.length} resources`);
    for (const [type, count] of [...byType.entries()].sort()) {
      lines.push(`    ${String(count).padStart(3)} ${type}`);
    }
  }
  return lines.join('\n');
}
