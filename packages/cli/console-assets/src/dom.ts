// The CLI's own formatting (plain functions, bundled into the page): the page reads as the commands print.
import { formatUsd } from '../../src/cost/format-cost';
import { formatDuration as formatCliDuration, formatTime as formatCliTime } from '../../src/output/format';

export { formatUsd };

/** A duration as the CLI prints it (`850 ms`, `12.4 s`, `3 min 05 s`); empty when unknown. */
export function formatDuration(ms: number | undefined): string {
  return ms === undefined ? '' : formatCliDuration(ms);
}

type Child = Node | string | undefined | false;

/** An element with attributes and children (strings become text: nothing is parsed as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined && child !== false) element.append(child);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes. */
export function svg(tag: string, attributes: Record<string, string | number> = {}, ...children: Array<Node | string>): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child);
  return element;
}

/** A time in UTC to the second, as the CLI prints it. */
export function formatTime(iso: string | undefined): string {
  return formatCliTime(iso ? new Date(iso) : undefined);
}

/** A message above the page's content (role status, or alert for an error). */
export function message(text: string, error = false, remedy?: string): HTMLElement {
  return el('p', { class: error ? 'message error' : 'message', role: error ? 'alert' : 'status' }, text, remedy ? ` — what to do: ${remedy}` : undefined);
}

/** A definition list of facts; empty values are left out. */
export function facts(entries: Array<[string, Node | string | undefined]>): HTMLElement {
  const list = el('dl', { class: 'facts' });
  for (const [term, value] of entries) if (value !== undefined && value !== '') list.append(el('dt', {}, term), el('dd', {}, value));
  return list;
}

/** A cost estimate's lines as a table: item, quantity, USD, note. */
export function costTable(id: string, caption: string, lines: Array<{ item: string; quantity: number; unit: string; usd: number; note?: string }>): HTMLElement {
  return el('table', { id },
    el('caption', { class: 'muted' }, caption),
    el('thead', {}, el('tr', {}, ...['Item', 'Quantity', 'USD', 'Note'].map((title) => el('th', { scope: 'col' }, title)))),
    el('tbody', {}, ...lines.map((line) => el('tr', {},
      el('td', {}, line.item), el('td', {}, `${Number(line.quantity.toPrecision(6))} ${line.unit}`), el('td', {}, formatUsd(line.usd)), el('td', {}, line.note ?? '')))));
}
