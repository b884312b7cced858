import { describe, expect, it } from 'vitest';
import { backoffDelay, RetriesExhaustedError, retry, type RetryOptions } from '../../src/core/retry';
import { fastSleep } from '../helpers/registry';

const options = (overrides: Partial<RetryOptions> = {}): RetryOptions & { delays: number[] } => {
  const sleep = fastSleep();
  return {
    attempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    random: () => 0,
    sleep: sleep.sleep,
    classify: () => ({ retry: true }),
    delays: sleep.delays,
    ...overrides,
  };
};

describe('backoffDelay', () => {
  it('doubles per attempt, is capped, and jitters within the upper half', () => {
    const low = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 };
    const high = { ...low, random: () => 0.999999 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, low))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, high))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe('retry', () => {
  it('returns the first success, sleeping between attempts', async () => {
    const o = options();
    let calls = 0;
    const result = await retry(async (attempt) => {
      calls++;
      if (attempt < 3) throw new Error('transient');
      return 'ok';
    }, o);
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(o.delays).toEqual([50, 100]);
  });

  it('rethrows a final error at once', async () => {
    const o = options({ classify: () => ({ retry: false }) });
    const final = new Error('final');
    await expect(retry(() => Promise.reject(final), o)).rejects.toBe(final);
    expect(o.delays).toEqual([]);
  });

  it('waits what the classification asks for', async () => {
    const o = options({ classify: () => ({ retry: true, delayMs: 1234 }) });
    await expect(retry(() => Promise.reject(new Error('x')), o)).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(o.delays).toEqual([1234, 1234, 1234]);
  });

  it('gives up after the attempts with the last error as cause', async () => {
    const o = options({ attempts: 2 });
    let n = 0;
    const error = await retry(() => Promise.reject(new Error(`failure ${++n}`)), o).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ attempts: 2, message: 'gave up after 2 attempts' });
    expect(((error as Error).cause as Error).message).toBe('failure 2');
  });

  it('reports each retry', async () => {
    const events: number[] = [];
    const o = options({ attempts: 3, onRetry: ({ attempt }) => events.push(attempt) });
    await retry(() => Promise.reject(new Error('x')), o).catch(() => undefined);
    expect(events).toEqual([1, 2]);
  });
});
