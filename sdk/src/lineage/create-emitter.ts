import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import { realSleep, type Sleep } from '../core/retry';
import { createBufferedEmitter } from './buffered-emitter';
import { createCompositeEmitter } from './composite-emitter';
import { createConsoleEmitter } from './console-emitter';
import { offEmitter, type LineageEmitter } from './emitter';
import { withFailurePolicy } from './failure-policy';
import { createFileEmitter } from './file-emitter';
import { createHttpEmitter, dataHubEndpoint, marquezEndpoint, type LineageFetch, type LineageRetryPolicy } from './http-emitter';
import { resolveLineageTargets, type LineageTarget } from './lineage-target';

export interface LineageSettings {
  /** The --lineage values; none: `openLineageUrl`, else lineage is off. */
  targets?: readonly string[];
  /** OPENLINEAGE_URL, read from the environment by the caller. */
  openLineageUrl?: string;
  /** API token for HTTP backends (Authorization: Bearer). */
  token?: string;
  /** Fail the run when lineage cannot be delivered. Default false: warn and go on. */
  failOnError?: boolean;
  /** Events buffered per HTTP backend while it is unreachable. Default 1000. */
  maxBuffered?: number;
  retry?: LineageRetryPolicy;
  timeoutMs?: number;
  retryIntervalMs?: number;
}

export interface LineageDependencies {
  cwd: string;
  logger: Logger;
  clock: Clock;
  /** Default: globalThis.fetch. */
  fetch?: LineageFetch;
  sleep?: Sleep;
  /** Where `console` writes a line. Default: standard output. */
  write?: (line: string) => void;
  userAgent?: string;
}

function emitterFor(target: Exclude<LineageTarget, { kind: 'off' }>, settings: LineageSettings, deps: LineageDependencies): LineageEmitter {
  switch (target.kind) {
    case 'console':
      return createConsoleEmitter({ write: deps.write ?? ((line) => void process.stdout.write(`${line}\n`)) });
    case 'file':
      return createFileEmitter({ path: target.path });
    case 'http': {
      const http = createHttpEmitter({
        url: target.url,
        endpoint: target.api === 'datahub' ? dataHubEndpoint : marquezEndpoint,
        fetch: deps.fetch ?? ((url, init) => fetch(url, init)),
        logger: deps.logger,
        sleep: deps.sleep ?? realSleep,
        ...(settings.token ? { token: settings.token } : {}),
        ...(settings.retry ? { retry: settings.retry } : {}),
        ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
        ...(deps.userAgent ? { userAgent: deps.userAgent } : {}),
      });
      return createBufferedEmitter(http, {
        logger: deps.logger,
        clock: deps.clock,
        ...(settings.maxBuffered !== undefined ? { maxBuffered: settings.maxBuffered } : {}),
        ...(settings.retryIntervalMs !== undefined ? { retryIntervalMs: settings.retryIntervalMs } : {}),
      });
    }
  }
}

/**
 * The emitter for a run: every target (HTTP ones buffered), fanned out, under the failure policy.
 * Throws a UsageError (DK652) for a bad target, before anything runs.
 */
export function createLineageEmitter(settings: LineageSettings, deps: LineageDependencies): LineageEmitter {
  const targets = resolveLineageTargets(settings.targets, { cwd: deps.cwd, openLineageUrl: settings.openLineageUrl });
  const emitters = targets.flatMap((target) => (target.kind === 'off' ? [] : [emitterFor(target, settings, deps)]));
  if (emitters.length === 0) return offEmitter;
  const emitter = emitters.length === 1 ? emitters[0]! : createCompositeEmitter(emitters);
  return withFailurePolicy(emitter, { failOnError: settings.failOnError ?? false, logger: deps.logger });
}
