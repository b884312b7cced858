import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A stand-in for Marquez's tag API (no real Marquez is reachable in tests), on 127.0.0.1, answering
 * as Marquez 0.4x does (api/src/main/java/marquez/api/TagResource.java and DatasetResource.java):
 *
 *   PUT  /api/v1/tags/{tag}                                        200 {"name", "description"}
 *   POST /api/v1/namespaces/{ns}/datasets/{ds}/tags/{tag}          200 the dataset
 *   POST /api/v1/namespaces/{ns}/datasets/{ds}/fields/{f}/tags/{t} 200 the dataset (the tag upper-cased)
 *
 * and 404 {"code": 404, "message": "Dataset 'x' not found."} (Namespace, Field, Tag likewise) for
 * what it does not know. Path segments are percent-decoded one by one from the raw request path,
 * as JAX-RS does, so a client that does not encode `postgres://host:5432` misses the route.
 */

export interface FakeDatasetSeed {
  namespace: string;
  name: string;
  fields: Array<{ name: string; type?: string }>;
}

export interface RecordedTagRequest {
  method: string;
  /** The raw path, as sent (still percent-encoded). */
  rawPath: string;
  /** The decoded path segments. */
  segments: string[];
  authorization: string | undefined;
  body: string;
  status: number;
}

interface FakeDataset {
  namespace: string;
  name: string;
  fields: Array<{ name: string; type: string; tags: string[] }>;
  tags: string[];
  createdAt: string;
}

export interface FakeMarquezTags {
  readonly url: string;
  readonly requests: RecordedTagRequest[];
  /** Tags by name: description. Seeded with Marquez's defaults, PII and SENSITIVE. */
  readonly tags: Map<string, string>;
  /** Creates the namespace if needed and the dataset, as a lineage event would. */
  addDataset(seed: FakeDatasetSeed): void;
  /** Tags of a dataset and of its fields, or undefined when unknown. */
  datasetTags(namespace: string, name: string): { tags: string[]; fields: Record<string, string[]> } | undefined;
  /** Answer `status` to the next `times` requests. */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

export interface FakeMarquezTagsOptions {
  /** Require Authorization: Bearer <token>; 401 otherwise. */
  token?: string;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startFakeMarquezTags(options: FakeMarquezTagsOptions = {}): Promise<FakeMarquezTags> {
  const requests: RecordedTagRequest[] = [];
  const tags = new Map<string, string>([
    ['PII', 'Personally identifiable information'],
    ['SENSITIVE', 'Contains sensitive information'],
  ]);
  const namespaces = new Map<string, Map<string, FakeDataset>>();
  const sockets = new Set<Socket>();
  let failures: { status: number; left: number } | undefined;

  const datasetJson = (d: FakeDataset) => ({
    id: { namespace: d.namespace, name: d.name },
    type: 'DB_TABLE',
    name: d.name,
    physicalName: d.name,
    createdAt: d.createdAt,
    updatedAt: d.createdAt,
    namespace: d.namespace,
    sourceName: d.namespace,
    fields: d.fields.map((f) => ({ name: f.name, type: f.type, tags: [...f.tags], description: null })),
    tags: [...d.tags],
    lastModifiedAt: null,
    lastLifecycleState: null,
    description: null,
    currentVersion: '6a3f0d5c-0000-4000-8000-000000000000',
    columnLineage: null,
    facets: {},
    deleted: false,
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const rawPath = (request.url ?? '/').split('?')[0]!;
    let segments: string[];
    try {
      segments = rawPath
        .split('/')
        .filter((s) => s !== '')
        .map((s) => decodeURIComponent(s));
    } catch {
      segments = [];
    }
    const record: RecordedTagRequest = {
      method: request.method ?? '',
      rawPath,
      segments,
      authorization: request.headers.authorization,
      body,
      status: 0,
    };
    requests.push(record);
    const reply = (status: number, content: unknown) => {
      record.status = status;
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(content));
    };
    const notFound = (message: string) => reply(404, { code: 404, message });

    if (failures && failures.left > 0) {
      failures.left--;
      return reply(failures.status, { code: failures.status, message: `HTTP ${failures.status}` });
    }
    if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) {
      return reply(401, { code: 401, message: 'HTTP 401 Unauthorized' });
    }
    const [api, v1, collection, ...rest] = segments;
    if (api !== 'api' || v1 !== 'v1') return notFound('HTTP 404 Not Found');

    // PUT /api/v1/tags/{tag}
    if (collection === 'tags' && rest.length === 1) {
      if (request.method !== 'PUT') return reply(405, { code: 405, message: 'HTTP 405 Method Not Allowed' });
      let description: string | undefined;
      try {
        const parsed = JSON.parse(body || '{}') as { description?: unknown };
        description = typeof parsed.description === 'string' ? parsed.description : undefined;
      } catch (error) {
        return reply(400, { code: 400, message: `Unable to process JSON: ${(error as Error).message}` });
      }
      const name = rest[0]!;
      if (name.trim() === '') return reply(422, { errors: ['name value must not be blank'] });
      tags.set(name, description ?? '');
      return reply(200, { name, description: description ?? null });
    }

    // POST /api/v1/namespaces/{ns}/datasets/{ds}/tags/{tag}  and  …/fields/{field}/tags/{tag}
    if (collection === 'namespaces' && rest[1] === 'datasets') {
      const [namespace, , dataset, ...tail] = rest;
      const isDatasetTag = tail.length === 2 && tail[0] === 'tags';
      const isFieldTag = tail.length === 4 && tail[0] === 'fields' && tail[2] === 'tags';
      if (!isDatasetTag && !isFieldTag) return notFound('HTTP 404 Not Found');
      if (request.method !== 'POST') return reply(405, { code: 405, message: 'HTTP 405 Method Not Allowed' });
      const byName = namespaces.get(namespace!);
      if (!byName) return notFound(`Namespace '${namespace}' not found.`);
      const found = byName.get(dataset!);
      if (!found) return notFound(`Dataset '${dataset}' not found.`);
      if (isDatasetTag) {
        const tag = tail[1]!;
        if (!tags.has(tag)) return notFound(`Tag '${tag}' not found.`);
        if (!found.tags.includes(tag)) found.tags.push(tag);
        return reply(200, datasetJson(found));
      }
      const field = found.fields.find((f) => f.name === tail[1]);
      if (!field) return notFound(`Field '${tail[1]}' not found.`);
      // Marquez upper-cases field tags.
      const tag = tail[3]!.toUpperCase();
      if (!tags.has(tag)) return notFound(`Tag '${tag}' not found.`);
      if (!field.tags.includes(tag)) field.tags.push(tag);
      return reply(200, datasetJson(found));
    }
    return notFound('HTTP 404 Not Found');
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 500, message: String(error) }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tags,
    addDataset(seed) {
      let byName = namespaces.get(seed.namespace);
      if (!byName) namespaces.set(seed.namespace, (byName = new Map()));
      byName.set(seed.name, {
        namespace: seed.namespace,
        name: seed.name,
        fields: seed.fields.map((f) => ({ name: f.name, type: f.type ?? 'string', tags: [] })),
        tags: [],
        createdAt: new Date(0).toISOString(),
      });
    },
    datasetTags(namespace, name) {
      const found = namespaces.get(namespace)?.get(name);
      if (!found) return undefined;
      return { tags: [...found.tags], fields: Object.fromEntries(found.fields.map((f) => [f.name, [...f.tags]])) };
    },
    failNext(status, times = 1) {
      failures = { status, left: times };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
