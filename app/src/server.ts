#!/usr/bin/env node
// The standalone DataKit App server: `node app/dist/server.js` (see http/app-server.ts).
import { systemClock } from '@datakit/sdk/core';
import { dataKitApp } from './app';
import { readAppConfig, type AppConfig } from './config';
import { shutdownOnSignals, startStandalone, startupErrorMessage } from './http/standalone';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = readAppConfig(process.env, { cwd: process.cwd() });
  } catch (error) {
    process.stderr.write(startupErrorMessage(error));
    process.exit(2);
  }
  const { server, log } = await startStandalone({
    config,
    clock: systemClock,
    createApp: (c) => dataKitApp({ config: c, clock: systemClock }),
  });
  shutdownOnSignals(server, log);
}

main().catch((error: unknown) => {
  process.stderr.write(startupErrorMessage(error));
  process.exit(1);
});
