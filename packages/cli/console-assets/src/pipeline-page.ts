import { ApiError, getJson } from './api';
import { costTable, el, facts, formatDuration, formatUsd, message, svg } from './dom';
import { PipelineView } from './types';

/** The number of periods the chart splits the recent runs' time into. */
const PERIODS = 24;

/**
 * The metrics the pipeline's dashboard charts (runs started, succeeded, failed; run duration),
 * over the recent runs: one bar per period, stacked by outcome, and the mean duration as a line.
 */
export function metricsChart(runs: PipelineView['recentRuns']): SVGElement {
  const width = 720;
  const height = 220;
  const left = 40;
  const bottom = 30;
  const times = runs.map((run) => Date.parse(run.started ?? '')).filter((time) => !Number.isNaN(time));
  const from = Math.min(...times);
  const to = Math.max(...times) + 1;
  const span = Math.max(1, (to - from) / PERIODS);
  const periods = Array.from({ length: PERIODS }, () => ({ succeeded: 0, failed: 0, running: 0, durations: [] as number[] }));
  for (const run of runs) {
    const time = Date.parse(run.started ?? '');
    if (Number.isNaN(time)) continue;
    const period = periods[Math.min(PERIODS - 1, Math.floor((time - from) / span))];
    if (run.status === 'SUCCEEDED') period.succeeded++;
    else if (run.status === 'RUNNING') period.running++;
    else period.failed++;
    if (run.durationMs !== undefined && run.status !== 'RUNNING') period.durations.push(run.durationMs);
  }
  const most = Math.max(1, ...periods.map((period) => period.succeeded + period.failed + period.running));
  const longest = Math.max(1, ...periods.flatMap((period) => period.durations));
  const barWidth = (width - left - 10) / PERIODS;
  const scale = (height - bottom - 10) / most;
  const chart = svg('svg', { 'viewBox': `0 0 ${width} ${height}`, 'width': width, 'height': height, 'role': 'img', 'aria-labelledby': 'chart-title' },
    svg('title', { id: 'chart-title' }, `Runs per period of ${formatDuration(span)} over the ${runs.length} most recent runs: succeeded, failed, running; the line is the mean duration (longest ${formatDuration(longest)})`));
  chart.append(svg('line', { x1: left, y1: height - bottom, x2: width - 10, y2: height - bottom, stroke: '#5f6368' }));
  chart.append(svg('text', { 'x': 4, 'y': 16, 'font-size': 11, 'fill': '#3c4043' }, `${most} runs`));
  const line: string[] = [];
  periods.forEach((period, index) => {
    let y = height - bottom;
    for (const [count, colour] of [[period.succeeded, '#1b6e2e'], [period.failed, '#b3261e'], [period.running, '#0b57d0']] as Array<[number, string]>) {
      if (count === 0) continue;
      chart.append(svg('rect', { x: left + index * barWidth + 2, y: y - count * scale, width: barWidth - 4, height: count * scale, fill: colour }));
      y -= count * scale;
    }
    if (period.durations.length > 0) {
      const mean = period.durations.reduce((sum, value) => sum + value, 0) / period.durations.length;
      line.push(`${left + (index + 0.5) * barWidth},${(height - bottom - (mean / longest) * (height - bottom - 10)).toFixed(1)}`);
    }
  });
  if (line.length > 1) chart.append(svg('polyline', { 'points': line.join(' '), 'fill': 'none', 'stroke': '#8a4b00', 'stroke-width': 2 }));
  chart.append(svg('text', { 'x': left, 'y': height - 10, 'font-size': 11, 'fill': '#3c4043' }, new Date(from).toISOString().slice(0, 19).replace('T', ' ')));
  chart.append(svg('text', { 'x': width - 10, 'y': height - 10, 'font-size': 11, 'fill': '#3c4043', 'text-anchor': 'end' }, new Date(to).toISOString().slice(0, 19).replace('T', ' ')));
  return chart;
}

function percentile(values: number[], fraction: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/** The pipeline page: what it is made of (the stack's resources), its staging mode, its recent runs' metrics. */
export function pipelinePage(main: HTMLElement): () => void {
  main.replaceChildren(el('h1', {}, 'Pipeline'), el('p', {}, 'Loading…'));
  getJson<PipelineView>('/api/pipeline?recent=500').then((view) => {
    const ended = view.recentRuns.filter((run) => run.status !== 'RUNNING');
    const durations = ended.map((run) => run.durationMs ?? 0);
    const count = (status: string) => view.recentRuns.filter((run) => run.status === status).length;
    main.replaceChildren(
      el('h1', {}, `Pipeline ${view.stackName}`),
      facts([
        ['State machine', view.stateMachineArn],
        ['Target', view.where],
        ['Uploads', `s3://${view.upload.bucket}/${view.upload.prefix}${view.upload.suffixes.length ? ` (${view.upload.suffixes.join(', ')})` : ''}`],
        ['Reports', view.reports],
        ['Staging', el('span', { id: 'staging' }, `${view.staging.mode}${view.staging.directUpToBytes !== undefined ? `: the workspace function copies inputs up to ${view.staging.directUpToBytes} bytes, DataSync larger ones` : ''}`)],
        ['Idle cost', el('span', { id: 'idle-cost' }, 'unavailable' in view.idleCost ? `not estimated: ${view.idleCost.unavailable}`
          : `${formatUsd(view.idleCost.totalUsd)} USD a month in ${view.idleCost.region} (${view.idleCost.estimateOf}; prices: ${view.idleCost.origin})`)],
      ]),
      'unavailable' in view.idleCost ? '' : costTable('idle-cost-lines', `What the pipeline costs a month with no run${view.idleCost.assumptions.length ? ` (${view.idleCost.assumptions.join('; ')})` : ''}`, view.idleCost.lines),
      el('h2', {}, 'Recent runs'),
      facts([
        ['Runs', `${view.recentRuns.length} (succeeded ${count('SUCCEEDED')}, failed ${count('FAILED') + count('TIMED_OUT') + count('ABORTED')}, running ${count('RUNNING')})`],
        ['Duration', ended.length ? `median ${formatDuration(percentile(durations, 0.5))}, 90th percentile ${formatDuration(percentile(durations, 0.9))}` : undefined],
      ]),
      el('p', { class: 'legend' }, el('span', { class: 'succeeded' }, 'succeeded'), el('span', { class: 'failed' }, 'failed, timed out, aborted'),
        el('span', { class: 'running' }, 'running'), el('span', { class: 'caught' }, 'mean duration (line)')),
      el('div', { id: 'chart', class: 'chart' }, view.recentRuns.length ? metricsChart(view.recentRuns) : el('p', { class: 'muted' }, 'no runs yet')),
      el('h2', {}, `Resources (${view.resources.length})`),
      el('table', { id: 'resources' },
        el('thead', {}, el('tr', {}, ...['Logical id', 'Type', 'Physical id', 'Status'].map((title) => el('th', { scope: 'col' }, title)))),
        el('tbody', {}, ...view.resources.map((resource) => el('tr', {},
          el('td', {}, resource.logicalId ?? ''), el('td', {}, resource.type ?? ''), el('td', {}, resource.physicalId ?? ''), el('td', {}, resource.status ?? ''))))),
    );
  }, (error: ApiError) => main.replaceChildren(el('h1', {}, 'Pipeline'), message(error.message, true, error.remedy)));
  return () => undefined;
}
