/** An answer of the console's API that is not a success: what went wrong and what to do. */
export class ApiError extends Error {
  constructor(message: string, public readonly remedy?: string) {
    super(message);
  }
}

async function answerOf<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = body as { error?: string; remedy?: string } | undefined;
    throw new ApiError(error?.error ?? `${response.status} ${text.slice(0, 200)}`, error?.remedy);
  }
  return body as T;
}

/** GET of the console's JSON API. */
export async function getJson<T>(path: string): Promise<T> {
  return answerOf<T>(await fetch(path, { headers: { accept: 'application/json' } }));
}

/** POST to the console's API, with the header the server requires of every change (no other page can send it). */
export async function post<T>(path: string, body?: Blob): Promise<T> {
  return answerOf<T>(await fetch(path, {
    method: 'POST',
    headers: { 'x-batch-pipeline-console': '1', 'content-type': 'application/octet-stream' },
    body,
  }));
}

/** The URL of a run's API. */
export function runPath(run: string, rest = ''): string {
  return `/api/runs/${encodeURIComponent(run)}${rest}`;
}
