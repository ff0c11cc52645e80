/**
 * Prints how long the console's runs page takes to show its first rows with 1,000 runs
 * (BENCHMARK_RUNS): the example app served in this process at --fast, the runs started by
 * `batch-pipeline backfill` (objects put while nothing watched the bucket) and left to end, then
 * `batch-pipeline console` over the endpoint and Debian's chromium (playwright-core) opening the
 * page, cold (nothing described yet) and again (the console has described the runs).
 * Run with `npx projen benchmark:console` in packages/cli.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { serveRuntime } from '@batch-pipeline/local/lib/serve/serve-runtime';
import { EXAMPLE, exampleWithBacklog } from './example-backlog';
import { main } from '../src/cli';
import { ConsoleApi } from '../src/console/console-api';
import { startConsoleServer } from '../src/console/console-server';
import { resolveTarget } from '../src/target/pipeline-target';
import { launchChromium } from '../test/console/chromium';

const RUNS = Number(process.env.BENCHMARK_RUNS ?? 1_000);
const quiet = { print: () => undefined, note: () => undefined };

async function benchmark(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'console-benchmark-'));
  try {
    const { assemblyDirectory, state } = await exampleWithBacklog(work, RUNS);
    const served = await serveRuntime({
      assemblyDirectory, appDirectory: EXAMPLE, stateDirectory: state.root, timeScale: 0.01, docker: false, port: 0,
    });
    try {
      const started = performance.now();
      const code = await main(['backfill', '--rate', '50', '--endpoint-url', served.endpoint], quiet);
      const target = await resolveTarget({ connection: { endpointUrl: served.endpoint } });
      const api = new ConsoleApi(target);
      // The runs page is measured over ended runs, not while 1,000 jobs compete for the machine.
      while ((await api.runs('RUNNING', RUNS)).length > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
      const runs = await api.runs(undefined, RUNS);
      console.log(`${runs.length} runs started by backfill (exit ${code}) and ended in ${((performance.now() - started) / 1_000).toFixed(1)} s`);
      for (const limit of [50, 1_000]) {
        const listing = performance.now();
        await api.runs(undefined, limit);
        console.log(`the console API's runs listing of ${limit}: ${(performance.now() - listing).toFixed(0)} ms`);
      }
      const server = await startConsoleServer(api, 0);
      const context = await launchChromium(path.join(work, 'profile'));
      try {
        const page = await context.newPage();
        for (const visit of ['first visit (no run described yet)', 'second visit (runs described)']) {
          const opened = performance.now();
          await page.goto(server.url);
          await page.locator('#runs-body tr').first().waitFor();
          const firstRows = performance.now() - opened;
          // The page's own mark: from the start of the navigation to the first rows drawn.
          const marked = await page.evaluate<number>('performance.getEntriesByName("first-rows")[0].startTime');
          await page.waitForFunction(`document.querySelectorAll("#runs-body tr").length === ${Math.min(500, runs.length)}`, undefined, { timeout: 60_000 });
          const rows = await page.locator('#runs-body tr').count();
          await page.waitForFunction('[...document.querySelectorAll("#runs-body tr td:nth-child(2)")].every((cell) => cell.textContent !== "")', undefined, { timeout: 300_000 });
          const described = performance.now() - opened;
          console.log(`runs page, ${visit}: first rows after ${marked.toFixed(0)} ms from the navigation's start (the page's mark; `
            + `${firstRows.toFixed(0)} ms as the test driver saw it), ${rows} rows of ${runs.length} drawn, every drawn row's input key after ${(described / 1_000).toFixed(2)} s`);
        }
      } finally {
        await context.close();
        await server.stop();
      }
    } finally {
      await served.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

benchmark().catch((error) => {
  console.error(error);
  process.exit(1);
});
