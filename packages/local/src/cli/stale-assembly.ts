import { Dirent, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Files whose change changes what `cdk synth` writes. */
const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs|py|java|go|cs|fs|json)$/;
/** Folders that hold no app source: dependencies, outputs, tests, state, version control. */
const NOT_SOURCE = new Set(['node_modules', 'cdk.out', 'test', 'tests', '__tests__', 'dist', 'coverage', 'target', 'obj']);
/** A walk stops after this many entries: a warning is not worth a long wait. */
const MAX_ENTRIES = 20_000;

/** The newest app source newer than the assembly, when there is one. */
export interface StaleAssembly {
  /** The source file changed last. */
  readonly source: string;
  readonly sourceChangedAt: Date;
  readonly synthesizedAt: Date;
}

/**
 * Whether the cloud assembly is older than the app's sources: the newest source file (TypeScript,
 * JavaScript, Python, Java, Go, C#, JSON such as cdk.json) under the app folder, outside
 * dependencies, outputs, tests and hidden folders, changed after the assembly's manifest.json was
 * written. A run on such an assembly uploads where the old app said (its prefix, its settings).
 */
export function staleAssembly(appDirectory: string, assemblyDirectory: string): StaleAssembly | undefined {
  const manifest = statSync(path.join(assemblyDirectory, 'manifest.json'), { throwIfNoEntry: false });
  if (!manifest) return undefined;
  const skip = path.resolve(assemblyDirectory);
  let newest: { file: string; mtimeMs: number } | undefined;
  let entries = 0;
  const walk = (directory: string): void => {
    let listing: Dirent[];
    try {
      listing = readdirSync(directory, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of listing) {
      if (++entries > MAX_ENTRIES) return;
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !NOT_SOURCE.has(entry.name) && full !== skip) walk(full);
      } else if (entry.isFile() && SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')
        && !/^(package-lock|tsconfig\.tsbuildinfo)/.test(entry.name)) {
        const mtimeMs = statSync(full, { throwIfNoEntry: false })?.mtimeMs ?? 0;
        if (!newest || mtimeMs > newest.mtimeMs) newest = { file: full, mtimeMs };
      }
    }
  };
  walk(appDirectory);
  if (!newest || newest.mtimeMs <= manifest.mtimeMs) return undefined;
  return { source: newest.file, sourceChangedAt: new Date(newest.mtimeMs), synthesizedAt: manifest.mtime };
}
