/**
 * One DataSync filter (`FilterRule.Value`) as DataSync reads it (DataSync User Guide,
 * "Transferring specific files, objects, and folders by using filters"):
 *
 * - a filter is patterns delimited by `|`; `\` escapes a `|`, a `*` or itself in a name;
 * - `*` is the wildcard (it matches any characters, `/` included: `*.tmp` excludes temporary
 *   files at every depth, `*\/temporary-folder-*` folders at any level);
 * - every pattern is relative to the location's path; `/dir` and `/dir/` match the folder and
 *   everything in it; in an S3 location `/` in a key is a folder;
 * - filters are case sensitive.
 *
 * Paths given to `matches` are relative to the location, with a leading `/` (`/runs/r1/out/a.txt`).
 */
export class DataSyncFilter {
  private readonly written: readonly string[];
  private readonly patterns: readonly RegExp[];

  public constructor(public readonly value: string) {
    this.written = splitPatterns(value).filter((p) => p !== '');
    this.patterns = this.written.map(toRegExp);
  }

  /**
   * The folders under which every match lies (`/runs/r1/out/*` -> `/runs/r1/out/`, `/a/b.csv` -> `/a/`),
   * so that a listing can skip the rest; undefined when a pattern can match anywhere (`*.tmp`).
   */
  public folders(): string[] | undefined {
    const folders: string[] = [];
    for (const pattern of this.written) {
      if (!pattern.startsWith('/')) return undefined;
      const wildcard = pattern.search(/[*\\]/);
      const literal = wildcard < 0 ? pattern : pattern.slice(0, wildcard);
      folders.push(literal.slice(0, literal.lastIndexOf('/') + 1));
    }
    return folders;
  }

  /** Whether the path, or a folder above it, matches one of the filter's patterns. */
  public matches(relativePath: string): boolean {
    return this.patterns.some((pattern) => pattern.test(relativePath));
  }
}

/** Splits on unescaped `|`, keeping `\x` escapes for `toRegExp` to read. */
function splitPatterns(value: string): string[] {
  const patterns: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const character = value[i];
    if (character === '\\' && i + 1 < value.length) {
      current += character + value[++i];
    } else if (character === '|') {
      patterns.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  patterns.push(current);
  return patterns;
}

function toRegExp(written: string): RegExp {
  // `/dir/` and `/dir` are the same pattern.
  const pattern = written.length > 1 && written.endsWith('/') && !written.endsWith('\\/') ? written.slice(0, -1) : written;
  let body = '';
  for (let i = 0; i < pattern.length; i++) {
    const character = pattern[i];
    if (character === '\\' && i + 1 < pattern.length) {
      body += escapeRegExp(pattern[++i]);
    } else if (character === '*') {
      body += '.*';
    } else {
      body += escapeRegExp(character);
    }
  }
  // A pattern that names no folder from the location's root (`*.tmp`, `name`) matches at any depth.
  const anchor = pattern.startsWith('/') || pattern.startsWith('*') ? '^' : '^(?:.*/)?';
  // A matching folder brings its content.
  return new RegExp(`${anchor}${body}(?:/.*)?$`, 's');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
