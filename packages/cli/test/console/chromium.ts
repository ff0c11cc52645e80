import { existsSync } from 'node:fs';
import { BrowserContext, chromium } from 'playwright-core';
import { consoleMain } from '../../src/console/console-command';

/** Debian's chromium (test/console/ensure-chromium.sh installs it), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The flags chromium runs with: headless, no sandbox (root in CI), and nothing that reaches a network by itself. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches chromium with a fresh profile; CSP is bypassed only so that the test can inject axe-core. */
export async function launchChromium(profile: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: run test/console/ensure-chromium.sh (as root) or set CHROMIUM_PATH`);
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, bypassCSP: true, viewport: { width: 1400, height: 1000 },
  });
}

/** Starts `batch-pipeline console --endpoint-url <served> --port 0` in this process; resolves with its URL. */
export async function startConsole(endpoint: string): Promise<{ url: string; stop: () => void; ended: Promise<number> }> {
  let stop: () => void = () => undefined;
  const until = new Promise<void>((resolve) => { stop = resolve; });
  let printed = '';
  let found: (url: string) => void = () => undefined;
  const urlPrinted = new Promise<string>((resolve) => { found = resolve; });
  const ended = consoleMain(['--endpoint-url', endpoint, '--port', '0'], {
    print: (line) => {
      printed += `${line}\n`;
      const match = / at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(printed);
      if (match) found(match[1]);
    },
    note: () => undefined,
  }, until);
  const started = await Promise.race([urlPrinted, ended.then((code) => { throw new Error(`console ended (${code}): ${printed}`); })]);
  return { url: started, stop, ended };
}

