import type { ApplicationFunctionOptions, Probot } from 'probot';
import { systemClock } from '@datakit/sdk/core';
import { dataKitApp } from './app';
import { readAppConfig, type AppConfig } from './config';
import { healthHandler } from './http/health';
import { startupErrorText } from './http/standalone';

/**
 * The DataKit App for `npx probot run ./app/dist/index.js`.
 *
 * Under `probot run`, Probot's own server receives the webhooks: it verifies signatures with
 * WEBHOOK_SECRET only, so a second secret in WEBHOOK_SECRETS (a rotation) is NOT accepted there;
 * it logs through Probot's logger (without DataKit's scrubbing of secrets and tokens) and uses
 * Probot's Octokit (its retry and throttling plugins instead of DataKit's request policy). The
 * standalone server, `node app/dist/server.js`, does all three; prefer it in production.
 */
export default async function datakit(app: Probot, options: ApplicationFunctionOptions): Promise<void> {
  let config: AppConfig;
  try {
    config = readAppConfig(process.env, { cwd: options.cwd });
  } catch (error) {
    // Probot prints the error and exits 1: a DataKit App without its configuration must not run.
    const message = startupErrorText(error);
    app.log.error(message);
    throw new Error(message);
  }
  // Probot's server starts listening only after this function returned: whenever these routes
  // answer, the app is loaded.
  options.addHandler(healthHandler(() => 'ready'));
  await dataKitApp({ config, clock: systemClock })(app, options);
}
