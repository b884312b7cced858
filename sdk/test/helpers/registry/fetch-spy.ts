import type { FetchInit, FetchLike } from '../../../src/registry/https-fetch';

export interface RecordedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  status: number | undefined;
}

/** Wraps a fetch (default: the global one) and records every request and its status. */
export function spyFetch(inner: FetchLike = globalThis.fetch as FetchLike): { fetch: FetchLike; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetch: FetchLike = async (url: string, init: FetchInit) => {
    const parsed = new URL(url);
    const record: RecordedRequest = { method: init.method, path: parsed.pathname, query: parsed.searchParams, status: undefined };
    requests.push(record);
    const response = await inner(url, init);
    record.status = response.status;
    return response;
  };
  return { fetch, requests };
}

/** A fetch that fails the test when called: for checks that must happen before any request. */
export const forbiddenFetch: FetchLike = (url) => {
  throw new Error(`no request expected, but one was made to ${url}`);
};

/** Sleeps that return at once and remember how long they were asked to wait. */
export function fastSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}
