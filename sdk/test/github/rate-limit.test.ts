import { describe, expect, it } from 'vitest';
import { rateLimitDelayMs, retryAfterMs } from '../../src/github';

const now = Date.parse('2025-06-01T12:00:00Z');

describe('rateLimitDelayMs', () => {
  it('reads retry-after first, then x-ratelimit-reset when nothing remains', () => {
    expect(rateLimitDelayMs({ status: 403, headers: { 'retry-after': '60' }, message: 'secondary rate limit' }, now)).toBe(60_000);
    expect(rateLimitDelayMs({ status: 429, headers: { 'retry-after': 'Sun, 01 Jun 2025 12:00:30 GMT' }, message: '' }, now)).toBe(30_000);
    const reset = String(now / 1000 + 10);
    expect(
      rateLimitDelayMs(
        { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, message: 'API rate limit exceeded' },
        now,
      ),
    ).toBe(11_000);
  });

  it('waits a minute on a secondary limit that names no time, and not at all on other answers', () => {
    expect(rateLimitDelayMs({ status: 403, headers: {}, message: 'You have exceeded a secondary rate limit.' }, now)).toBe(60_000);
    expect(rateLimitDelayMs({ status: 429, headers: {}, message: '' }, now)).toBe(60_000);
    expect(
      rateLimitDelayMs({ status: 403, headers: { 'x-ratelimit-remaining': '12' }, message: 'Resource not accessible by integration' }, now),
    ).toBeUndefined();
    expect(rateLimitDelayMs({ status: 500, headers: { 'retry-after': '1' }, message: '' }, now)).toBeUndefined();
  });

  it('ignores a retry-after it cannot read', () => {
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
