import { ApiError, getJson, post, runPath } from './api';
import { costTable, el, facts, formatDuration, formatTime, formatUsd, message } from './dom';
import { renderGraph } from './graph';
import { previewOf } from './preview';
import { LogLine, Overview, Report, RunCost, RunView } from './types';

/** How often a running run is read again. */
const REFRESH_MS = 1_500;

function legend(): HTMLElement {
  return el('p', { class: 'legend' }, ...['succeeded', 'failed', 'running', 'caught', 'not reached'].map((name) => el('span', { class: name.replace(' ', '-') }, name)));
}

/** A notification's message: pretty JSON when it is JSON. */
function readable(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), undefined, 2);
  } catch {
    return text;
  }
}

/**
 * A run: its facts, the state graph coloured by its history, its job's status reason while the
 * job waits, its notification, its logs and its reports (with a preview); re-run and cancel.
 * Read again every REFRESH_MS while it runs.
 */
export function runPage(main: HTMLElement, overview: Overview, run: string): () => void {
  let stopped = false;
  let timer = 0;
  const feedback = el('div', { 'id': 'feedback', 'aria-live': 'polite' });
  const rerunButton = el('button', { id: 'rerun', type: 'button' }, 'Re-run');
  const cancelButton = el('button', { id: 'cancel', type: 'button', disabled: '' }, 'Cancel');
  const summary = el('section', { 'id': 'summary', 'aria-label': 'Summary' });
  const jobs = el('section', { 'id': 'jobs', 'aria-label': 'Job', 'aria-live': 'polite' });
  const graph = el('div', { 'id': 'graph', 'class': 'graph', 'tabindex': '0', 'aria-label': 'State graph (scrolls)' });
  const notification = el('section', { 'id': 'notification', 'aria-labelledby': 'notification-title' });
  const logs = el('pre', { 'id': 'logs', 'class': 'logs', 'tabindex': '0', 'aria-label': 'Log lines of the run' });
  const reports = el('ul', { id: 'reports', class: 'reports' });
  const preview = el('div', { 'id': 'preview', 'class': 'preview', 'aria-live': 'polite' });
  const cost = el('section', { 'id': 'cost', 'aria-label': 'Cost estimate' });
  main.replaceChildren(
    el('h1', {}, `Run ${run}`),
    el('p', { class: 'toolbar' }, rerunButton, cancelButton, el('a', { href: '#/runs' }, 'All runs')),
    feedback,
    el('div', { class: 'columns' }, summary, el('div', {}, jobs, notification)),
    el('section', { 'aria-labelledby': 'graph-heading' }, el('h2', { id: 'graph-heading' }, 'State graph'), legend(), graph),
    el('h2', {}, 'Logs'), logs,
    el('h2', {}, 'Reports'), reports, preview,
    el('h2', {}, 'Cost estimate'), cost,
  );
  let lastStatus = '';

  const showRun = (view: RunView) => {
    const input = view.input.key ? `s3://${view.input.bucket}/${view.input.key}${view.input.versionId ? ` (version ${view.input.versionId})` : ''}` : undefined;
    summary.replaceChildren(facts([
      ['Status', el('span', { id: 'run-status', class: `status status-${view.status}` }, view.status)],
      ['Input', input],
      ['Started', formatTime(view.started)],
      ['Duration', formatDuration(view.durationMs)],
      ['Failed step', view.failedStep ? el('span', { id: 'failed-step' }, view.failedStep) : undefined],
      ['Error', view.error],
      ['Cause', view.cause ? el('details', {}, el('summary', {}, view.cause.length > 160 ? `${view.cause.slice(0, 160)}…` : view.cause),
        el('pre', { id: 'cause', tabindex: '0', 'aria-label': 'Cause' }, readable(view.cause))) : undefined],
      ['Reports', view.reports],
    ]));
    jobs.replaceChildren(...view.jobs.length === 0 ? [] : [el('h2', {}, 'Job'), el('ul', {}, ...view.jobs.map((job) => el('li', { 'data-job-status': job.status ?? '' },
      `${job.jobName ?? job.jobId}: ${job.status}`, job.waiting ? el('span', { class: 'reason' }, ` — waiting: ${job.statusReason ?? 'no status reason yet'}`) : job.statusReason ? ` — ${job.statusReason}` : undefined)))]);
    graph.replaceChildren(renderGraph(overview.graph, view.path, `State graph of run ${view.run}: ${view.status}`));
    notification.replaceChildren(...view.notifications.length === 0 ? [] : [
      el('h2', { id: 'notification-title' }, 'Notification'),
      ...view.notifications.map((sent) => el('div', { class: 'notification' },
        facts([['State', sent.state], ['Topic', sent.topicArn], ['Subject', sent.subject], ['Published', sent.published ? 'yes' : 'not yet']]),
        el('pre', { 'tabindex': '0', 'aria-label': 'Notification message' }, readable(sent.message)))),
    ]);
    cancelButton.disabled = view.status !== 'RUNNING';
    rerunButton.disabled = view.status === 'RUNNING';
  };

  const showLogs = (lines: LogLine[]) => {
    logs.textContent = lines.length === 0 ? 'no log lines yet (a job writes once its container runs)'
      : lines.map((line) => `${formatTime(new Date(line.timestamp).toISOString())}  [${line.source}] ${line.message}`).join('\n');
  };

  const showReports = (listed: Report[]) => {
    reports.replaceChildren(...listed.length === 0 ? [el('li', { class: 'muted' }, 'no reports')] : listed.map((report) => {
      const url = `${runPath(run, '/report')}?name=${encodeURIComponent(report.name)}`;
      const button = el('button', { 'type': 'button', 'data-report': report.name }, `Preview ${report.name}`);
      button.addEventListener('click', () => {
        preview.replaceChildren(message(`loading ${report.name}…`));
        previewOf(`${url}&preview=1`, report.name).then((shown) => preview.replaceChildren(el('h3', {}, report.name), shown),
          (error: Error) => preview.replaceChildren(message(error.message, true)));
      });
      return el('li', {}, button, ' ', el('a', { href: url, download: report.name.split('/').pop() ?? report.name }, `download (${report.size} bytes)`));
    }));
  };

  const refresh = async () => {
    try {
      const view = await getJson<RunView>(runPath(run));
      if (stopped) return;
      if (lastStatus === '') feedback.replaceChildren();
      showRun(view);
      showLogs(await getJson<LogLine[]>(runPath(run, '/logs')));
      if (view.status !== lastStatus && view.status !== 'RUNNING') {
        showReports(overview.reports ? await getJson<Report[]>(runPath(run, '/reports')) : []);
        getJson<RunCost>(runPath(run, '/cost')).then((estimate) => cost.replaceChildren(
          el('p', { id: 'run-cost' }, `${formatUsd(estimate.totalUsd)} USD in ${estimate.region} (${estimate.estimateOf}; prices: ${estimate.origin})`),
          costTable('run-cost-lines', `What run ${run} used, priced`, estimate.lines)),
        (error: ApiError) => cost.replaceChildren(message(`no estimate: ${error.message}`, true, error.remedy)));
      }
      lastStatus = view.status;
      if (!stopped && view.status === 'RUNNING') timer = window.setTimeout(() => void refresh(), REFRESH_MS);
    } catch (error) {
      feedback.replaceChildren(message((error as Error).message, true, (error as ApiError).remedy));
      // A run just uploaded starts a moment later, and a target may be briefly unreachable: read again.
      if (!stopped) timer = window.setTimeout(() => void refresh(), REFRESH_MS);
    }
  };

  rerunButton.addEventListener('click', () => {
    rerunButton.disabled = true;
    post<{ run: string; of: string }>(runPath(run, '/rerun')).then((started) => {
      feedback.replaceChildren(el('p', { class: 'message', role: 'status' }, `started ${started.run} (a re-run of ${started.of}): `,
        el('a', { id: 'rerun-link', href: `#/run/${encodeURIComponent(started.run)}` }, `open ${started.run}`)));
    }, (error: ApiError) => feedback.replaceChildren(message(error.message, true, error.remedy))).finally(() => {
      rerunButton.disabled = false;
    });
  });
  cancelButton.addEventListener('click', () => {
    cancelButton.disabled = true;
    post<{ stopped: string[]; notStopped: string[] }>(runPath(run, '/cancel')).then((cancelled) => {
      feedback.replaceChildren(el('div', { class: 'message', role: 'status' }, 'cancelled:',
        el('ul', {}, ...cancelled.stopped.map((line) => el('li', {}, `stopped ${line}`)), ...cancelled.notStopped.map((line) => el('li', {}, `not stopped: ${line}`)))));
      window.clearTimeout(timer);
      void refresh();
    }, (error: ApiError) => feedback.replaceChildren(message(error.message, true, error.remedy)));
  });
  void refresh();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}
