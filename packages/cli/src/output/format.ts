/** A duration as people read it: `850 ms`, `12.4 s`, `3 min 05 s`, `2 h 07 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3_600)} h ${String(Math.floor((seconds % 3_600) / 60)).padStart(2, '0')} min`;
}

/** A time in UTC to the second: `2026-12-06 00:21:34Z`. */
export function formatTime(date: Date | undefined): string {
  return date ? `${date.toISOString().slice(0, 19).replace('T', ' ')}Z` : '';
}

/** Rows as a text table with a header, each column as wide as its widest cell. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells
    .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
    .join('  ')
    .trimEnd();
  return [line(header), ...rows.map(line)];
}
