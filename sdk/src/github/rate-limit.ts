/**
 * GitHub's rate-limit answers (403 or 429): how long it asks us to wait, as its documentation says
 * to read them: retry-after first; else, with x-ratelimit-remaining 0, until x-ratelimit-reset;
 * else, for a secondary limit that names no time, at least a minute.
 */

export interface RateLimitAnswer {
  status: number;
  headers: Record<string, string | number | undefined>;
  /** GitHub's message, which names secondary rate limits. */
  message: string;
}

const secondaryWaitMs = 60_000;

/** The wait in milliseconds when the answer is a rate limit; undefined for any other answer. */
export function rateLimitDelayMs(answer: RateLimitAnswer, nowMs: number): number | undefined {
  if (answer.status !== 403 && answer.status !== 429) return undefined;
  const retryAfter = retryAfterMs(answer.headers['retry-after'], nowMs);
  if (retryAfter !== undefined) return retryAfter;
  if (String(answer.headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(answer.headers['x-ratelimit-reset']);
    // A second more than asked: the reset time has one-second resolution.
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - nowMs) + 1000;
    return secondaryWaitMs;
  }
  if (answer.status === 429 || /secondary rate limit|abuse detection/i.test(answer.message)) return secondaryWaitMs;
  return undefined;
}

/** Retry-After in delta-seconds or as an HTTP date. */
export function retryAfterMs(value: string | number | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
