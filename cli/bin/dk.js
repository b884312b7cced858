#!/usr/bin/env node
// The dk command: a thin launcher for the bundled CLI (built by `npm run build:cli`, which
// `npm ci` runs through the root package's prepare script).
import('../dist/dk.mjs').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/dk.mjs')) {
    process.stderr.write('dk: the CLI is not built yet: run `npm run build:cli` at the repository root\n');
    process.exit(2);
  }
  throw error;
});
