import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { officialSchemaProblems } from './official-schemas';

/**
 * A stand-in for Marquez (no real one is reachable in tests): POST /api/v1/lineage (and DataHub's
 * /openapi/openlineage/api/v1/lineage) on 127.0.0.1, validating every event against the official
 * OpenLineage schemas with a fresh ajv over ../shared (see official-schemas.ts: an oracle that does
 * not share code with the library under test). 201 for a valid event (200 on the DataHub path),
 * 422 with {"errors": [...]} for an invalid one, as Marquez answers.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
  status: number | 'hung';
}

export type FakeMarquezMode =
  | { kind: 'normal' }
  /** Answer `status` (500 by default) to the next `times` requests (all, if absent), then normally. */
  | { kind: 'fail'; status?: number; times?: number; body?: string }
  /** Read the request and never answer. */
  | { kind: 'hang' };

export interface FakeMarquez {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The events accepted, in order. */
  readonly events: unknown[];
  readonly requests: RecordedRequest[];
  setMode(mode: FakeMarquezMode): void;
  /** Stop listening (connections refused) until start(). */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface FakeMarquezOptions {
  /** Require Authorization: Bearer <token>; 401 otherwise. */
  token?: string;
}

const lineagePaths = new Map([
  ['/api/v1/lineage', 201],
  ['/openapi/openlineage/api/v1/lineage', 200],
]);

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function answer(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startFakeMarquez(options: FakeMarquezOptions = {}): Promise<FakeMarquez> {
  const events: unknown[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let mode: FakeMarquezMode = { kind: 'normal' };
  let failuresLeft = Infinity;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const record: RecordedRequest = {
      method: request.method ?? '',
      path,
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      body,
      status: 0,
    };
    requests.push(record);
    const reply = (status: number, content?: unknown) => {
      record.status = status;
      answer(response, status, content);
    };
    if (mode.kind === 'hang') {
      record.status = 'hung';
      return;
    }
    if (mode.kind === 'fail' && failuresLeft > 0) {
      const { status = 500, body: text } = mode;
      if (--failuresLeft === 0) mode = { kind: 'normal' };
      if (text === undefined) return reply(status, { code: status, message: 'Internal Server Error' });
      record.status = status;
      response.writeHead(status, { 'content-type': 'text/plain' }).end(text);
      return;
    }
    const success = lineagePaths.get(path);
    if (success === undefined) return reply(404, { code: 404, message: `HTTP 404 Not Found: ${path}` });
    if (request.method !== 'POST') return reply(405, { code: 405, message: 'HTTP 405 Method Not Allowed' });
    if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) {
      return reply(401, { code: 401, message: 'HTTP 401 Unauthorized' });
    }
    let event: unknown;
    try {
      event = JSON.parse(body);
    } catch (error) {
      return reply(400, { code: 400, message: `Unable to process JSON: ${(error as Error).message}` });
    }
    const problems = officialSchemaProblems(event);
    if (problems.length > 0) return reply(422, { errors: problems });
    events.push(event);
    return reply(success);
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => answer(response, 500, { code: 500, message: String(error) }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  await listen(0);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    events,
    requests,
    setMode(next) {
      mode = next;
      failuresLeft = next.kind === 'fail' ? (next.times ?? Infinity) : Infinity;
    },
    stop: stopListening,
    start: () => listen(port),
    close: stopListening,
  };
}
