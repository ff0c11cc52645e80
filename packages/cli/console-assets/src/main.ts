import { ApiError, getJson } from './api';
import { message } from './dom';
import { pipelinePage } from './pipeline-page';
import { runPage } from './run-page';
import { runsPage } from './runs-page';
import { Overview } from './types';

/** The page's router: #/runs, #/run/<run>, #/pipeline. */
async function start(): Promise<void> {
  const main = document.getElementById('main')!;
  let overview: Overview;
  try {
    overview = await getJson<Overview>('/api/overview');
  } catch (error) {
    main.replaceChildren(message((error as Error).message, true, (error as ApiError).remedy));
    return;
  }
  document.getElementById('target')!.textContent = `${overview.stackName} · ${overview.where}`;
  let leave: () => void = () => undefined;
  const route = () => {
    leave();
    const hash = location.hash || '#/runs';
    const run = /^#\/run\/(.+)$/.exec(hash)?.[1];
    for (const link of document.querySelectorAll('nav a')) link.removeAttribute('aria-current');
    if (run) {
      document.title = `Run ${decodeURIComponent(run)} · batch-pipeline console`;
      leave = runPage(main, overview, decodeURIComponent(run));
    } else if (hash === '#/pipeline') {
      document.title = `Pipeline ${overview.stackName} · batch-pipeline console`;
      document.getElementById('nav-pipeline')!.setAttribute('aria-current', 'page');
      leave = pipelinePage(main);
    } else {
      document.title = `Runs of ${overview.stackName} · batch-pipeline console`;
      document.getElementById('nav-runs')!.setAttribute('aria-current', 'page');
      leave = runsPage(main, overview);
    }
  };
  window.addEventListener('hashchange', route);
  route();
}

void start();
