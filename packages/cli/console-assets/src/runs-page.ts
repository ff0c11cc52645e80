import { ApiError, getJson, post } from './api';
import { el, formatDuration, formatTime, message } from './dom';
import { Overview, RunRow } from './types';

/** How often the table is read again. */
const REFRESH_MS = 2_000;
/** The most rows drawn at once (the search narrows them). */
const SHOWN_ROWS = 500;
/** Runs described (input key, failed step) per request. */
const DETAILS_BATCH = 50;
/** The first listing asks for a screenful: it shows before the newest 1,000 are listed. */
const FIRST_SCREEN = 50;
/** The runs the table holds (searched and filtered in the page). */
const LISTED = 1_000;

/**
 * The runs page: a table that updates live (ListExecutions through the console's API), filtered
 * by status and searched by key or run; rows show at once, their input keys and failed steps as
 * the runs are described. A file chosen here is uploaded into the watched prefix.
 */
export function runsPage(main: HTMLElement, overview: Overview): () => void {
  let stopped = false;
  let rows: RunRow[] = [];
  const details = new Map<string, { inputKey?: string; failedStep?: string }>();
  const describing = new Set<string>();
  const status = el('select', { id: 'status-filter' }, el('option', { value: '' }, 'any'), ...overview.statuses.map((value) => el('option', { value }, value)));
  const search = el('input', { id: 'search', type: 'search', placeholder: 'part of a key or run' });
  const file = el('input', { id: 'upload-file', type: 'file' });
  const upload = el('button', { id: 'upload', type: 'submit' }, 'Upload');
  const feedback = el('div', { 'id': 'feedback', 'aria-live': 'polite' });
  const count = el('p', { 'id': 'count', 'class': 'muted', 'aria-live': 'polite' });
  const body = el('tbody', { id: 'runs-body' });
  const uploadForm = el('form', { id: 'upload-form', class: 'toolbar' },
    el('label', { for: 'upload-file' }, `Upload a file to s3://${overview.upload.bucket}/${overview.upload.prefix}`, file), upload);
  main.replaceChildren(
    el('h1', {}, 'Runs'),
    el('div', { class: 'toolbar' },
      el('label', { for: 'status-filter' }, 'Status', status),
      el('label', { for: 'search' }, 'Search by key or run', search)),
    uploadForm,
    feedback,
    count,
    el('table', { id: 'runs' },
      el('caption', { class: 'muted' }, `Runs of ${overview.stackName}, newest first`),
      el('thead', {}, el('tr', {}, ...['Run', 'Input key', 'Status', 'Started', 'Duration', 'Failed step'].map((title) => el('th', { scope: 'col' }, title)))),
      body),
  );

  const render = () => {
    const term = search.value.trim().toLowerCase();
    const matching = rows.filter((row) => !term || row.run.toLowerCase().includes(term) || (details.get(row.run)?.inputKey ?? '').toLowerCase().includes(term));
    const shown = matching.slice(0, SHOWN_ROWS);
    const fragment = document.createDocumentFragment();
    for (const row of shown) {
      const known = { ...row, ...details.get(row.run) };
      fragment.append(el('tr', { 'data-run': row.run, 'data-status': row.status },
        el('td', { class: 'run' }, el('a', { href: `#/run/${encodeURIComponent(row.run)}` }, row.run)),
        el('td', {}, known.inputKey ?? ''),
        el('td', { class: `status status-${row.status}` }, row.status),
        el('td', {}, formatTime(row.started)),
        el('td', {}, formatDuration(row.durationMs)),
        el('td', {}, known.failedStep ?? '')));
    }
    body.replaceChildren(fragment);
    count.textContent = `${matching.length} run${matching.length === 1 ? '' : 's'}${matching.length > shown.length ? `, the newest ${shown.length} shown` : ''}`;
  };

  // The input key and failed step of runs not yet described, a batch at a time; an ended run's never change.
  const describe = async () => {
    const wanted = rows.filter((row) => !details.has(row.run) && !describing.has(row.run)).slice(0, DETAILS_BATCH).map((row) => row.run);
    if (wanted.length === 0) return;
    wanted.forEach((run) => describing.add(run));
    try {
      const described = await getJson<Array<{ run: string; inputKey?: string; failedStep?: string }>>(`/api/details?${wanted.map((run) => `run=${encodeURIComponent(run)}`).join('&')}`);
      for (const entry of described) {
        const row = rows.find((candidate) => candidate.run === entry.run);
        // A running run's failed step may still come: described again once it ended.
        if (row && row.status !== 'RUNNING') details.set(entry.run, entry);
        else details.set(entry.run, { inputKey: entry.inputKey });
      }
    } finally {
      wanted.forEach((run) => describing.delete(run));
    }
    if (!stopped) {
      render();
      await describe();
    }
  };

  const refresh = async () => {
    try {
      const limit = rows.length === 0 ? FIRST_SCREEN : LISTED;
      const listed = await getJson<RunRow[]>(`/api/runs?limit=${limit}${status.value ? `&status=${status.value}` : ''}`);
      for (const row of listed) {
        const previous = rows.find((candidate) => candidate.run === row.run);
        // A run that ended since is described again (its failed step).
        if (previous && previous.status !== row.status) details.delete(row.run);
        if (row.described) details.set(row.run, { inputKey: row.inputKey, failedStep: row.failedStep });
      }
      rows = listed;
      if (stopped) return;
      render();
      // When the first rows showed (read by the benchmark).
      if (rows.length > 0 && performance.getEntriesByName('first-rows').length === 0) performance.mark('first-rows');
      void describe();
      // After the first screen, the rest at once rather than after a refresh interval.
      if (limit === FIRST_SCREEN && listed.length === FIRST_SCREEN) return refresh();
    } catch (error) {
      feedback.replaceChildren(message((error as Error).message, true, (error as ApiError).remedy));
    }
  };
  let timer = 0;
  const loop = async () => {
    await refresh();
    if (!stopped) timer = window.setTimeout(loop, REFRESH_MS);
  };
  status.addEventListener('change', () => {
    window.clearTimeout(timer);
    void loop();
  });
  search.addEventListener('input', render);
  uploadForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) {
      feedback.replaceChildren(message('choose a file first', true));
      return;
    }
    upload.disabled = true;
    feedback.replaceChildren(message(`uploading ${chosen.name}…`));
    post<{ bucket: string; key: string; versionId?: string; run?: string }>(`/api/upload?name=${encodeURIComponent(chosen.name)}`, chosen).then((done) => {
      const uploaded = `uploaded ${chosen.name} to s3://${done.bucket}/${done.key}${done.versionId ? ` (version ${done.versionId})` : ''}`;
      feedback.replaceChildren(done.run
        ? el('p', { class: 'message', role: 'status' }, `${uploaded}: its run `, el('a', { id: 'upload-run', href: `#/run/${encodeURIComponent(done.run)}` }, done.run))
        : message(`${uploaded}: its run appears below`));
      file.value = '';
      window.clearTimeout(timer);
      void loop();
    }, (error: ApiError) => feedback.replaceChildren(message(error.message, true, error.remedy))).finally(() => {
      upload.disabled = false;
    });
  });
  void loop();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}
