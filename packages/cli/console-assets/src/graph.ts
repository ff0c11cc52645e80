import { graphlib, layout } from '@dagrejs/dagre';
import { formatDuration, svg } from './dom';
import { RunPath, StateGraph } from './types';

const NODE_HEIGHT = 46;

/** A state's outcome in the run, or `not-reached`. */
export function outcomeOf(path: RunPath | undefined, state: string): string {
  return path?.states[state]?.outcome ?? 'not-reached';
}

function edgePath(points: Array<{ x: number; y: number }>): string {
  return points.map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(' ');
}

/**
 * The state machine drawn as SVG: dagre lays the graph out (top to bottom), this draws it. Each
 * state is coloured by its outcome in the run (succeeded, failed, running, caught, not reached)
 * and shows its duration; the transitions the run took are drawn bold.
 */
export function renderGraph(graph: StateGraph, path: RunPath | undefined, title: string): SVGElement {
  const layoutGraph = new graphlib.Graph();
  layoutGraph.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 12, marginy: 12 });
  layoutGraph.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) layoutGraph.setNode(node.id, { width: Math.max(120, node.id.length * 7.2 + 24), height: NODE_HEIGHT });
  for (const edge of graph.edges) layoutGraph.setEdge(edge.from, edge.to);
  layout(layoutGraph);
  const { width = 400, height = 200 } = layoutGraph.graph();
  const taken = new Set((path?.transitions ?? []).map((transition) => `${transition.from}\n${transition.to}`));
  const reached = path ? Object.keys(path.states) : [];
  const summary = path
    ? `Path taken: ${path.transitions.length === 0 ? reached.join('') : [path.transitions[0].from, ...path.transitions.map((transition) => transition.to)].join(' → ')}. `
      + Object.entries(path.states).map(([state, visit]) => `${state}: ${visit.outcome}, ${formatDuration(visit.durationMs)}`).join('; ')
    : `${graph.nodes.length} states`;
  const root = svg('svg', { 'viewBox': `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`, 'width': Math.ceil(width), 'height': Math.ceil(height), 'role': 'img', 'aria-labelledby': 'graph-title graph-desc', 'class': 'state-graph' },
    svg('title', { id: 'graph-title' }, title),
    svg('desc', { id: 'graph-desc' }, summary),
    svg('defs', {},
      svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#5f6368' })),
      svg('marker', { id: 'arrow-taken', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#1f1f1f' }))));
  for (const edge of graph.edges) {
    const points = layoutGraph.edge(edge.from, edge.to)?.points ?? [];
    const isTaken = taken.has(`${edge.from}\n${edge.to}`);
    root.append(svg('path', {
      'd': edgePath(points), 'class': `edge ${edge.kind}${isTaken ? ' taken' : ''}`, 'fill': 'none',
      'stroke': isTaken ? '#1f1f1f' : '#9aa0a6', 'stroke-width': isTaken ? 3 : 1.2, 'stroke-dasharray': edge.kind === 'catch' ? '5 4' : '',
      'marker-end': `url(#${isTaken ? 'arrow-taken' : 'arrow'})`, 'data-from': edge.from, 'data-to': edge.to,
    }));
  }
  const fills: Record<string, [string, string]> = {
    'succeeded': ['#e6f4ea', '#1b6e2e'], 'failed': ['#fce8e6', '#b3261e'], 'running': ['#e8f0fe', '#0b57d0'],
    'caught': ['#fef3e0', '#8a4b00'], 'not-reached': ['#ffffff', '#80868b'],
  };
  for (const node of graph.nodes) {
    const position = layoutGraph.node(node.id);
    const outcome = outcomeOf(path, node.id);
    const visit = path?.states[node.id];
    const [fill, stroke] = fills[outcome];
    const group = svg('g', { 'class': `state ${outcome}`, 'data-state': node.id, 'data-outcome': outcome, 'transform': `translate(${(position.x - position.width / 2).toFixed(1)},${(position.y - NODE_HEIGHT / 2).toFixed(1)})` },
      svg('title', {}, `${node.id} (${node.type}${node.resource ? ` ${node.resource}` : ''}): ${outcome.replace('-', ' ')}${visit ? `, ${formatDuration(visit.durationMs)}${visit.entered > 1 ? `, entered ${visit.entered} times` : ''}` : ''}`),
      svg('rect', { 'width': position.width, 'height': NODE_HEIGHT, 'rx': node.type === 'Choice' ? 18 : 6, 'fill': fill, 'stroke': stroke, 'stroke-width': outcome === 'not-reached' ? 1 : 2.5, 'stroke-dasharray': outcome === 'not-reached' ? '4 3' : '' }),
      svg('text', { 'x': position.width / 2, 'y': 19, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 600, 'fill': '#1f1f1f' }, node.id),
      svg('text', { 'x': position.width / 2, 'y': 36, 'text-anchor': 'middle', 'font-size': 11, 'fill': '#3c4043' },
        visit ? `${outcome}${outcome === 'running' ? '' : ''} · ${formatDuration(visit.durationMs)}${visit.entered > 1 ? ` ×${visit.entered}` : ''}` : node.type));
    root.append(group);
  }
  return root;
}
