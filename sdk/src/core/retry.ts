/** Generic retries with jittered exponential backoff. Time is injected so tests never wait. */

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BackoffOptions {
  /** Delay before the second attempt, before jitter. */
  baseDelayMs: number;
  /** Upper bound of any computed delay. */
  maxDelayMs: number;
  /** A number in [0, 1); injectable for deterministic tests. */
  random?: () => number;
}

/**
 * What to do after a failed attempt: give up, or retry after the backoff delay (or after
 * `delayMs` when the other side said how long to wait, as HTTP Retry-After does).
 */
export type RetryDecision = { retry: false } | { retry: true; delayMs?: number };

export interface RetryOptions extends BackoffOptions {
  /** Total attempts, the first one included. */
  attempts: number;
  sleep: Sleep;
  classify: (error: unknown) => RetryDecision;
  onRetry?: (event: { attempt: number; delayMs: number; error: unknown }) => void;
}

/**
 * The delay before attempt `attempt + 1`: exponential, capped, with "equal jitter" (half fixed,
 * half random) so that clients failing together do not retry together, yet never retry at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const random = options.random ?? Math.random;
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

export class RetriesExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(`gave up after ${attempts} attempts`, { cause: lastError });
    this.name = 'RetriesExhaustedError';
  }
}

/**
 * Runs `operation` until it succeeds, `classify` says an error is final (rethrown as is), or the
 * attempts are used up (RetriesExhaustedError carrying the last error).
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const decision = options.classify(error);
      if (!decision.retry) throw error;
      if (attempt >= attempts) throw new RetriesExhaustedError(attempt, error);
      const delayMs = decision.delayMs ?? backoffDelay(attempt, options);
      options.onRetry?.({ attempt, delayMs, error });
      await options.sleep(delayMs);
    }
  }
}
