import type { ApplicationFunction, Logger } from 'probot';
import { isDataKitError, type Clock } from '@datakit/sdk/core';
import type { AppConfig } from '../config';
import { redactTokens } from '../github/app-octokit';
import { createAppLogger, type LogDestination } from '../logging/logger';
import { startAppServer, type AppServer } from './app-server';

/** The values the app's log must never show: the private key, every webhook secret, the registry password. */
export function configSecrets(config: AppConfig): string[] {
  return [config.privateKey, ...config.webhookSecrets, config.registryEnv.DK_REGISTRY_PASSWORD].filter(
    (s): s is string => typeof s === 'string' && s.trim() !== '',
  );
}

/** `DK800: …` and the hint for a DataKitError, the message alone otherwise; never a stack. */
export function startupErrorText(error: unknown): string {
  if (isDataKitError(error)) return `${error.code}: ${redactTokens(error.message)}${error.hint ? `\n  hint: ${error.hint}` : ''}`;
  return redactTokens(error instanceof Error ? error.message : String(error));
}

/** The line(s) the standalone server prints to stderr when it cannot start: `error DK800: …`. */
export function startupErrorMessage(error: unknown): string {
  return `${isDataKitError(error) ? 'error ' : 'error: '}${startupErrorText(error)}\n`;
}

export interface StandaloneOptions {
  config: AppConfig;
  /** Builds the application function from the configuration (dataKitApp in app/src/server.ts). */
  createApp: (config: AppConfig) => ApplicationFunction;
  clock: Clock;
  destination?: LogDestination;
}

/** Creates the scrubbing logger, starts the webhook server and logs {"msg":"listening","url":…}. */
export async function startStandalone(options: StandaloneOptions): Promise<{ server: AppServer; log: Logger }> {
  const { config } = options;
  const log = createAppLogger({
    level: config.logLevel,
    secrets: configSecrets(config),
    ...(options.destination ? { destination: options.destination } : {}),
  });
  const server = await startAppServer({ config, appFn: options.createApp(config), log, clock: options.clock });
  log.info({ url: server.url, webhookPath: config.webhookPath }, 'listening');
  return { server, log };
}

export interface ShutdownOptions {
  signals?: readonly NodeJS.Signals[];
  /** How long in-flight deliveries may take after the signal; 10 s by default. */
  timeoutMs?: number;
  /** process by default. */
  emitter?: Pick<NodeJS.Process, 'on'>;
  exit?: (code: number) => void;
}

/**
 * On SIGTERM or SIGINT: stop accepting deliveries, wait for the ones in flight (up to timeoutMs),
 * exit 0. A second signal while waiting exits at once with 1.
 */
export function shutdownOnSignals(server: AppServer, log: Logger, options: ShutdownOptions = {}): void {
  const emitter = options.emitter ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      exit(1);
      return;
    }
    stopping = true;
    log.info({ signal, inFlight: server.inFlight }, 'shutting down');
    server.close(options.timeoutMs ?? 10_000).then(
      () => {
        log.info('stopped');
        exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };
  for (const signal of options.signals ?? defaultSignals) emitter.on(signal, onSignal);
}

const defaultSignals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
