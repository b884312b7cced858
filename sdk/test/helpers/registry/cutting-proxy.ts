import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A proxy in front of the registry that forwards everything, except that it cuts one matching
 * request: after `afterBodyBytes` bytes of its body have reached the registry it destroys both
 * connections, as a network failure mid-upload would. Works at the HTTP level so that the count
 * is of body bytes, whatever the transfer encoding.
 */
export interface CutRule {
  method: string;
  /** Which matching request to cut, 1-based. Default 1. */
  occurrence?: number;
  afterBodyBytes: number;
}

export interface CuttingProxy {
  /** 127.0.0.1:<port>, to use as the registry host. */
  host: string;
  /** How many requests were cut (0 or 1). */
  cuts: number;
  /** "METHOD /path" of every request seen, in order. */
  requests: string[];
  stop(): Promise<void>;
}

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

export async function startCuttingProxy(target: { host: string; port: number }, rule: CutRule): Promise<CuttingProxy> {
  let matching = 0;
  const state = { cuts: 0, requests: [] as string[] };

  const server = http.createServer((req, res) => {
    state.requests.push(`${req.method ?? ''} ${new URL(req.url ?? '/', 'http://proxy').pathname}`);
    const upstream = http.request(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const headers: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) if (!hopByHop.has(name) && value !== undefined) headers[name] = value;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());

    const cut = req.method === rule.method && ++matching === (rule.occurrence ?? 1) && state.cuts === 0;
    if (!cut) {
      req.pipe(upstream);
      return;
    }
    let forwarded = 0;
    let done = false;
    const cutNow = (): void => {
      if (done) return;
      done = true;
      state.cuts++;
      req.pause();
      // Give the registry a moment to read what was forwarded before the connection dies.
      setTimeout(() => {
        upstream.destroy();
        req.socket.destroy();
      }, 100);
    };
    upstream.flushHeaders();
    if (rule.afterBodyBytes === 0) {
      cutNow();
      return;
    }
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      const room = rule.afterBodyBytes - forwarded;
      upstream.write(chunk.subarray(0, Math.min(room, chunk.length)));
      forwarded += Math.min(room, chunk.length);
      if (forwarded >= rule.afterBodyBytes) cutNow();
    });
    req.on('end', () => {
      if (!done) upstream.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    get cuts() {
      return state.cuts;
    },
    requests: state.requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
