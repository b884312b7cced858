import type { IncomingMessage, ServerResponse } from 'node:http';

export type ReadinessState = 'starting' | 'ready' | 'stopping';

/**
 * GET /healthz (the process serves HTTP) and GET /readyz (the app function is loaded and the
 * server is not shutting down) as a Probot-style handler: true when it answered the request.
 */
export function healthHandler(readiness: () => ReadinessState): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = requestPath(req);
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      const state = readiness();
      sendJson(res, state === 'ready' ? 200 : 503, { status: state });
      return true;
    }
    return false;
  };
}

/** The path of a request without its query string. */
export function requestPath(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
