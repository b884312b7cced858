import type { OpenTargetOptions } from '@datakit/sdk/registry';
import type { AppConfig } from './config';
import { registryHost } from './artifact-checks';

/**
 * The registry options for a location a package repository named (.github/datakit.yml is written
 * by anyone with write access there): the app's registry credentials go to the host of
 * DATAKIT_REGISTRY only; any other host is reached anonymously, so a repository cannot make the
 * app send its password to a registry of its choosing.
 */
export function registryOptionsFor(config: AppConfig, options: OpenTargetOptions, location: string): OpenTargetOptions {
  const trusted = config.registry === undefined ? undefined : registryHost(config.registry);
  const host = registryHost(location);
  if (trusted !== undefined && host !== undefined && host === trusted) return options;
  return { ...options, credentials: { env: {} } };
}
