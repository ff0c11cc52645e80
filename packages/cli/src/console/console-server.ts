import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ConsoleApi, MAX_LISTED_RUNS, PREVIEW_LIMIT_BYTES, UPLOAD_LIMIT_BYTES } from './console-api';
import { CliError } from '../cli-error';
import { explainAwsError } from '../target/aws-errors';

/** The port `batch-pipeline console` listens on unless told otherwise (serve's is 4747). */
export const DEFAULT_CONSOLE_PORT = 4748;

/**
 * The header every request that changes something must carry: a page of another origin cannot send it without a CORS preflight, which is never
 * granted.
 */
export const CONSOLE_HEADER = 'x-batch-pipeline-console';

/** The package's folder: the page's files (console-assets/) and its bundle (lib/console-assets/). */
const PACKAGE_ROOT = path.join(__dirname, '..', '..');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'console-assets/index.html', type: 'text/html; charset=utf-8' },
  '/console.css': { file: 'console-assets/console.css', type: 'text/css; charset=utf-8' },
  '/console.js': { file: 'lib/console-assets/console.js', type: 'text/javascript; charset=utf-8' },
};

/** The console's server: its URL and how to stop it. */
export interface ConsoleServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** An answer that is not a success: the status code and what the page shows. */
class HttpError extends Error {
  constructor(public readonly status: number, message: string, public readonly remedy?: string) {
    super(message);
  }
}

/**
 * Whether a request comes from the console's own page on this machine: its Host is the address
 * the console listens on (a DNS-rebound name such as evil.example resolving to 127.0.0.1 is
 * refused), and an Origin, when the browser sends one, is the console's own.
 */
export function checkOrigin(request: IncomingMessage, port: number): string | undefined {
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  if (!allowed.has(request.headers.host
    ?? '')) return `Host ${request.headers.host ?? '(none)'} is not this console's (${[...allowed].join(' or ')})`;
  const origin = request.headers.origin;
  if (origin !== undefined && !allowed.has(origin.replace(/^http:\/\//, '')) ) return `Origin ${origin} is not this console's`;
  if (request.method !== 'GET' && request.method !== 'HEAD' && request.headers[CONSOLE_HEADER] !== '1') {
    return `a ${request.method} without the ${CONSOLE_HEADER} header (only the console's page sends it)`;
  }
  return undefined;
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new HttpError(413, `the file is larger than ${Math.round(limit / 1_048_576)} MiB`, 'upload it with `batch-pipeline '
      + 'run <file>` or `aws s3 cp`');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, status: number, body: string | Uint8Array, type: string): void {
  response.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    // Everything the page loads is its own: no other origin, no inline script, no framing.
    'content-security-policy': "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  response.end(body);
}

const json = (response: ServerResponse, value: unknown, status = 200) => send(response, status, JSON.stringify(value),
  'application/json; charset=utf-8');

/** The media type a report is previewed as, by its name. */
export function reportType(name: string): string {
  const extension = path.extname(name).toLowerCase();
  return {
    '.json': 'application/json',
    '.csv': 'text/csv',
    '.tsv': 'text/tab-separated-values',
    '.txt': 'text/plain',
    '.log': 'text/plain',
    '.md': 'text/plain',
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg',
    '.gif': 'image/gif',
    '.webp': 'image/webp',
    '.svg': 'image/svg+xml',
  }[extension] ?? 'application/octet-stream';
}

async function answer(api: ConsoleApi, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const asset = request.method === 'GET' ? ASSETS[url.pathname] : undefined;
  if (asset) return send(response, 200, readFileSync(path.join(PACKAGE_ROOT, asset.file)), asset.type);
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const route = `${request.method} /${parts.map((part, index) => (index === 2 && parts[1] === 'runs' ? ':run' : part)).join('/')}`;
  const run = parts[2];
  switch (route) {
    case 'GET /api/overview': return json(response, api.overview());
    case 'GET /api/runs': {
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 1_000) || 1_000, MAX_LISTED_RUNS);
      return json(response, await api.runs(url.searchParams.get('status') || undefined, limit));
    }
    case 'GET /api/details': return json(response, await api.describeRuns(url.searchParams.getAll('run')));
    case 'GET /api/runs/:run': return json(response, await api.run(run));
    case 'GET /api/runs/:run/logs': return json(response, await api.logs(run));
    case 'GET /api/runs/:run/reports': return json(response, await api.reports(run));
    case 'GET /api/runs/:run/cost': return json(response, await api.runCost(run));
    case 'GET /api/runs/:run/report': {
      const name = url.searchParams.get('name') ?? '';
      const { bytes, size } = await api.report(run, name);
      if (url.searchParams.get('preview') === '1' && size > PREVIEW_LIMIT_BYTES) {
        throw new HttpError(413, `${name} is ${size} bytes: `
        + 'too large to preview', 'download it');
      }
      // An SVG report is served as a download-safe image: the CSP keeps any script in it from running.
      return send(response, 200, bytes, reportType(name));
    }
    case 'POST /api/runs/:run/rerun': return json(response, await api.rerun(run));
    case 'POST /api/runs/:run/cancel': return json(response, await api.cancel(run));
    case 'POST /api/upload': {
      const bytes = await readBody(request, UPLOAD_LIMIT_BYTES);
      return json(response, await api.upload(url.searchParams.get('name') ?? '', bytes));
    }
    case 'GET /api/pipeline': return json(response, await api.pipeline(Math.min(Number(url.searchParams.get('recent') ?? 200)
      || 200, MAX_LISTED_RUNS)));
    default: throw new HttpError(404, `no such page or API: ${request.method} ${url.pathname}`);
  }
}

/**
 * Starts the console on 127.0.0.1 (never another interface): the page, its assets and its JSON
 * API over `api`. Requests with another Host or Origin are refused (403), so that neither a
 * DNS-rebinding page nor a cross-site form reaches the API.
 */
export async function startConsoleServer(api: ConsoleApi, port = DEFAULT_CONSOLE_PORT): Promise<ConsoleServer> {
  let listening = port;
  const server = createServer((request, response) => {
    const refused = checkOrigin(request, listening);
    if (refused) return send(response, 403, `refused: ${refused}\n`, 'text/plain; charset=utf-8');
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${listening}`);
    answer(api, request, response, url).catch((error: unknown) => {
      const known = error instanceof HttpError ? error : error instanceof CliError ? error : explainAwsError(error, 'console');
      if (response.headersSent) return response.destroy();
      if (known instanceof HttpError) return json(response, { error: known.message, remedy: known.remedy }, known.status);
      if (known) return json(response, { error: known.message, remedy: known.remedy }, 400);
      // A bug: the page says so, the terminal keeps the stack trace.
      console.error(error);
      return json(response, {
        error: `unexpected error: ${(error as Error).message}`,
        remedy: 'see the terminal running '
        + 'batch-pipeline console',
      }, 500);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE'
      ? new CliError(`port ${port} on 127.0.0.1 is in use`, 'pass another --port, or stop what listens there') : error));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  listening = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${listening}/`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
