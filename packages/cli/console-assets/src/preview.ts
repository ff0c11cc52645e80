import { el } from './dom';

/** Parses CSV (RFC 4180: quoted fields, doubled quotes, newlines inside quotes) into rows. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const ch = text[index];
    if (quoted) {
      if (ch === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[index + 1] === '\n') index++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += ch;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The most rows a CSV preview shows. */
const PREVIEW_ROWS = 200;

/** A table of a CSV or TSV report: the first row is the header. */
export function csvTable(text: string, name: string, delimiter: string): HTMLElement {
  const [header = [], ...rows] = parseCsv(text, delimiter);
  const shown = rows.slice(0, PREVIEW_ROWS);
  return el('div', {},
    el('table', { class: 'csv' },
      el('caption', {}, `${name}: ${rows.length} rows${rows.length > shown.length ? `, the first ${shown.length} shown` : ''}`),
      el('thead', {}, el('tr', {}, ...header.map((cell) => el('th', { scope: 'col' }, cell)))),
      el('tbody', {}, ...shown.map((row) => el('tr', {}, ...row.map((cell) => el('td', {}, cell)))))));
}

/** A report's preview, by its name: text, JSON (pretty), CSV/TSV (a table), images. */
export async function previewOf(url: string, name: string): Promise<HTMLElement> {
  const extension = name.toLowerCase().split('.').pop() ?? '';
  if (['png', 'jpg', 'jpeg', 'gif', 'webp', 'svg'].includes(extension)) {
    return el('img', { src: url, alt: `the report ${name}` });
  }
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) {
    let error = text;
    try {
      error = (JSON.parse(text) as { error: string }).error;
    } catch {
      // Not JSON: the text as it came.
    }
    throw new Error(error);
  }
  if (extension === 'csv' || extension === 'tsv') return csvTable(text, name, extension === 'tsv' ? '\t' : ',');
  if (extension === 'json') {
    try {
      return el('pre', { 'aria-label': name }, JSON.stringify(JSON.parse(text), undefined, 2));
    } catch {
      return el('pre', { 'aria-label': name }, text);
    }
  }
  return el('pre', { 'aria-label': name }, text);
}
