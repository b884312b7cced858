import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { pipeline, Readable } from 'node:stream';
import tls from 'node:tls';
import { FileSystemError, systemErrorCode } from '../core/errors';

/** The subset of fetch the registry client uses; globalThis.fetch satisfies it. */
export type FetchLike = (url: string, init: FetchInit) => Promise<Response>;

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array | AsyncIterable<Uint8Array>;
  redirect: 'manual';
  /** Required by fetch for streamed request bodies. */
  duplex?: 'half';
}

/** The fetch a registry client uses unless given one: globalThis.fetch, or a client trusting `caFile`. */
export function registryFetch(caFile: string | undefined): FetchLike {
  return caFile !== undefined ? lazyCaFetch(caFile) : (globalThis.fetch as FetchLike);
}

/** A fetch trusting the CA in `caFile`, read on first use. */
function lazyCaFetch(caFile: string): FetchLike {
  let inner: Promise<FetchLike> | undefined;
  return async (url, init) => {
    inner ??= readFile(caFile).then(
      (ca) => fetchWithCa(ca),
      (error: unknown) => {
        throw new FileSystemError('DK503', `CA file ${caFile} cannot be read (${systemErrorCode(error) ?? String(error)})`, {
          cause: error,
        });
      },
    );
    return (await inner)(url, init);
  };
}

/**
 * A fetch over node:http/https that trusts `ca` as well as the usual roots (token realms and blob
 * redirects may live elsewhere). Node 20's global fetch cannot take a CA without undici's Agent,
 * and the undici module is not importable unless installed.
 */
export function fetchWithCa(ca: string | Buffer): FetchLike {
  const agent = new https.Agent({ ca: [...tls.rootCertificates, ca.toString()], keepAlive: false });
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const body = init.body;
      const secure = target.protocol === 'https:';
      const headers = body instanceof Uint8Array ? { ...init.headers, 'content-length': String(body.length) } : init.headers;
      const request = (secure ? https : http).request(
        target,
        { method: init.method, headers, ...(secure ? { agent } : {}) },
        (incoming) => {
          const answerHeaders = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            if (value === undefined) continue;
            for (const item of Array.isArray(value) ? value : [value]) answerHeaders.append(name, item);
          }
          const status = incoming.statusCode ?? 502;
          const empty = init.method === 'HEAD' || status === 204 || status === 304;
          if (empty) incoming.resume();
          const answerBody = empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
          resolve(new Response(answerBody, { status, statusText: incoming.statusMessage ?? '', headers: answerHeaders }));
        },
      );
      request.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
      if (body === undefined) request.end();
      else if (body instanceof Uint8Array) request.end(body);
      else pipeline(Readable.from(body), request, (error) => error && request.destroy(error));
    });
}
