import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { serveRuntime, ServedRuntime, synthesizeApp } from '@batch-pipeline/local';
import { BrowserContext, Page } from 'playwright-core';
import { launchChromium, startConsole } from './chromium';

/**
 * The console in a real browser (Debian's chromium driven by playwright-core) over the example
 * app's assembly served by the local runtime at --fast, with the test job of fixtures/app in
 * place of the example's (it runs long enough to be seen running, fails for a key with `fail`,
 * writes a CSV report otherwise).
 */
const EXAMPLE = path.join(__dirname, '..', '..', '..', '..', 'apps', 'example');
const SAMPLE = path.join(EXAMPLE, 'samples', 'plate-reader-2026-11-30.csv');
/** Where the screenshots go (kept by CI with the test reports). */
const ARTEFACTS = path.join(__dirname, '..', '..', 'test-reports', 'console');
let work: string;
let served: ServedRuntime;
let url: string;
let stopConsole: () => void;
let consoleEnded: Promise<number>;
let context: BrowserContext;
let page: Page;
let failedRun: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'console-e2e-'));
  // The example synthesized here, as the other end-to-end tests do (nothing assumes an apps/example/cdk.out).
  const assemblyDirectory = synthesizeApp(EXAMPLE, path.join(work, 'cdk.out'));
  const app = path.join(work, 'app');
  cpSync(path.join(__dirname, 'fixtures', 'app'), app, { recursive: true });
  served = await serveRuntime({ assemblyDirectory, appDirectory: app, stateDirectory: path.join(work, 'state'), timeScale: 0.01, docker: false, port: 0 });
  const started = await startConsole(served.endpoint);
  url = started.url;
  stopConsole = started.stop;
  consoleEnded = started.ended;
  context = await launchChromium(path.join(work, 'profile'));
  page = await context.newPage();
  mkdirSync(ARTEFACTS, { recursive: true });
  writeFileSync(path.join(work, 'plate-ok.csv'), readFileSync(SAMPLE));
  writeFileSync(path.join(work, 'plate-fail.csv'), readFileSync(SAMPLE));
}, 180_000);

afterAll(async () => {
  await context?.close();
  stopConsole?.();
  await consoleEnded;
  await served?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Uploads a file from the runs page and returns its run, once its row shows the input key. */
async function uploadFromPage(file: string): Promise<string> {
  await page.goto(url);
  await page.locator('#upload-file').setInputFiles(file);
  await page.locator('#upload').click();
  await page.getByText(`uploaded ${path.basename(file)} to s3://`).waitFor();
  const row = page.locator('#runs-body tr', { hasText: `incoming/${path.basename(file)}` }).first();
  await row.waitFor({ timeout: 30_000 });
  return (await row.getAttribute('data-run'))!;
}

/** The states of the graph by outcome, as drawn now. */
async function outcomes(): Promise<Record<string, string>> {
  return page.locator('#graph g.state').evaluateAll((nodes) => Object.fromEntries(nodes.map((node) => [node.getAttribute('data-state'), node.getAttribute('data-outcome')])));
}

/** axe-core's serious and critical findings on the page as it is. */
async function seriousFindings(): Promise<Array<{ id: string; impact: string; nodes: number }>> {
  await page.addScriptTag({ content: readFileSync(require.resolve('axe-core/axe.min.js'), 'utf-8') });
  const violations = await page.evaluate<Array<{ id: string; impact: string; nodes: number }>>(
    'axe.run(document).then((result) => result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.length })))');
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** A request to the console as another page or host would send it. */
function rawRequest(method: string, requestPath: string, headers: Record<string, string>): Promise<number> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, method, path: requestPath, headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('batch-pipeline console in chromium, over the served example', () => {
  test('given the runs page, when a CSV is uploaded from it, then its run appears and its page shows it go from state to state to SUCCEEDED', async () => {
    await page.goto(url);
    await page.locator('#upload-file').setInputFiles(path.join(work, 'plate-ok.csv'));
    await page.locator('#upload').click();
    // The upload names its run (a versioned bucket): its page opens before the table lists it.
    await page.locator('#upload-run').click();
    await page.locator('#graph svg').waitFor();
    const seen: Array<Record<string, string>> = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      const now = await outcomes();
      if (JSON.stringify(now) !== JSON.stringify(seen.at(-1))) seen.push(now);
      if ((await page.locator('#run-status').textContent()) === 'SUCCEEDED') break;
      await page.waitForTimeout(100);
    }

    await page.locator('#run-status', { hasText: 'SUCCEEDED' }).waitFor();
    // The graph as drawn with the final status (a refresh may have landed after the last snapshot).
    seen.push(await outcomes());
    const running = new Set(seen.flatMap((snapshot) => Object.entries(snapshot).filter(([, outcome]) => outcome === 'running').map(([state]) => state)));
    expect(running.size).toBeGreaterThanOrEqual(1);
    // The run was seen at several points of its path, each with more states behind it.
    const succeededCounts = seen.map((snapshot) => Object.values(snapshot).filter((outcome) => outcome === 'succeeded').length);
    expect(new Set(succeededCounts).size).toBeGreaterThanOrEqual(2);
    const final = seen.at(-1)!;
    expect(Object.values(final)).not.toContain('running');
    expect(Object.values(final).filter((outcome) => outcome === 'succeeded').length).toBeGreaterThan(3);
    expect(await page.locator('#graph path.edge.taken').count()).toBeGreaterThan(3);
  });

  test('given the succeeded run, when its CSV report is previewed, then it shows as a table', async () => {
    await page.locator('button[data-report="wells.csv"]').click();
    const table = page.locator('#preview table.csv');
    await table.waitFor();

    expect(await table.locator('thead th').allTextContents()).toEqual(['well', 'value']);
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(3);
    await page.locator('button[data-report="report.json"]').click();
    await page.locator('#preview pre', { hasText: '"runId"' }).waitFor();
  });

  test('given the succeeded run, then its cost estimate (the cost command\'s) is shown line by line', async () => {
    await page.locator('#run-cost').waitFor();

    expect(await page.locator('#run-cost').textContent()).toMatch(/^\d+\.?\d* USD in eu-west-2 \(what AWS would bill/);
    expect(await page.locator('#run-cost-lines tbody tr').count()).toBeGreaterThan(2);
  });

  test('given an upload that fails, when its run is opened, then the failed step, the cause, the failed state and the job\'s log line are shown', async () => {
    failedRun = await uploadFromPage(path.join(work, 'plate-fail.csv'));
    await page.locator(`#runs-body tr[data-run="${failedRun}"][data-status="FAILED"]`).waitFor({ timeout: 60_000 });
    await page.locator(`#runs-body tr[data-run="${failedRun}"] a`).click();
    await page.locator('#run-status', { hasText: 'FAILED' }).waitFor();
    await page.locator('#logs', { hasText: 'the plate reader wrote no wells' }).waitFor();

    const failedStep = await page.locator('#failed-step').textContent();
    expect(failedStep).toBeTruthy();
    expect(await page.locator('#cause').textContent()).not.toBe('');
    const drawn = await outcomes();
    expect(drawn[failedStep!]).toMatch(/failed|caught/);
    expect(Object.values(drawn)).toContain('failed');
    expect(Object.values(drawn)).toContain('not-reached');
    // The whole graph, not the scrolling box the page shows it in.
    await page.evaluate('document.getElementById("graph").style.cssText = "overflow: visible; max-height: none; border: 0"');
    await page.locator('#graph svg').screenshot({ path: path.join(ARTEFACTS, 'failed-run-graph.png') });
    await page.screenshot({ path: path.join(ARTEFACTS, 'failed-run-page.png'), fullPage: true });
  });

  test('given the failed run, when its notification is shown, then its message is readable', async () => {
    const notification = page.locator('#notification pre');
    expect(await notification.count()).toBeGreaterThan(0);
    expect(await notification.first().textContent()).toContain(failedRun);
  });

  test('given the failed run page, when axe-core checks it, then it has no serious or critical finding', async () => {
    expect(await seriousFindings()).toEqual([]);
  });

  test('given the failed run, when re-run from its page, then <run>-r1 starts and its page shows it', async () => {
    await page.locator('#rerun').click();
    await page.locator('#rerun-link').click();

    await page.locator('h1', { hasText: `Run ${failedRun}-r1` }).waitFor();
    await page.locator('#run-status', { hasText: /RUNNING|FAILED/ }).waitFor();
    await page.locator('#run-status', { hasText: 'FAILED' }).waitFor({ timeout: 60_000 });
  });

  test('given the runs, when filtered by status and searched by key, then only those rows show; a screenshot is kept', async () => {
    await page.goto(url);
    await page.locator('#runs-body tr').first().waitFor();
    await page.locator('#status-filter').selectOption('FAILED');
    await page.waitForFunction('[...document.querySelectorAll("#runs-body tr")].every((row) => row.getAttribute("data-status") === "FAILED")');
    expect(await page.locator('#runs-body tr').count()).toBe(2);
    // Each failed run names its failed step, also the one first described while it ran.
    await page.waitForFunction('[...document.querySelectorAll("#runs-body tr td:nth-child(6)")].every((cell) => cell.textContent === "Process")');
    await page.locator('#status-filter').selectOption('');
    await page.locator('#search').fill('plate-ok');
    await page.waitForFunction('document.querySelectorAll("#runs-body tr").length === 1');
    await page.locator('#search').fill('');
    await page.waitForFunction('document.querySelectorAll("#runs-body tr").length === 3');
    await page.locator('#runs-body tr td:nth-child(2)', { hasText: 'plate-fail' }).first().waitFor();
    await page.screenshot({ path: path.join(ARTEFACTS, 'runs-page.png') });
  });

  test('given the runs page, when axe-core checks it, then it has no serious or critical finding', async () => {
    expect(await seriousFindings()).toEqual([]);
  });

  test('given the pipeline page, then it shows the staging mode, the stack\'s resources and a chart of the recent runs', async () => {
    await page.goto(`${url}#/pipeline`);
    await page.locator('#resources tbody tr').first().waitFor();

    expect(await page.locator('#staging').textContent()).toMatch(/^AUTO/);
    expect(await page.locator('#idle-cost').textContent()).toMatch(/USD a month in eu-west-2/);
    expect(await page.locator('#resources tbody tr').count()).toBeGreaterThan(10);
    expect(await page.locator('#chart svg rect').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTEFACTS, 'pipeline-page.png'), fullPage: true });
    expect(await seriousFindings()).toEqual([]);
  });

  test('given a request with another Host (DNS rebinding), another Origin or a change without the console header, then it is refused', async () => {
    expect(await rawRequest('GET', '/api/overview', { host: `127.0.0.1:${new URL(url).port}` })).toBe(200);
    expect(await rawRequest('GET', '/api/overview', { host: 'attacker.example:80' })).toBe(403);
    expect(await rawRequest('GET', '/api/overview', { host: `127.0.0.1:${new URL(url).port}`, origin: 'http://attacker.example' })).toBe(403);
    expect(await rawRequest('POST', `/api/runs/${failedRun}/rerun`, { host: `127.0.0.1:${new URL(url).port}` })).toBe(403);
    expect(await rawRequest('POST', `/api/runs/${failedRun}/rerun`, { 'host': `127.0.0.1:${new URL(url).port}`, 'origin': 'http://attacker.example', 'x-batch-pipeline-console': '1' })).toBe(403);
  });
});
