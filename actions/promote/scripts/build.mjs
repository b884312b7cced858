// Bundles the action into dist/ with ncc: `node scripts/build.mjs [out-dir]` (default: dist).
// The build is reproducible whatever the caller's directory: see actions/common/scripts/build-action.mjs.
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { buildAction } from '@datakit/action-common/build-script';

const actionDir = fileURLToPath(new URL('..', import.meta.url));
process.exit(buildAction(actionDir, process.argv[2] === undefined ? undefined : path.resolve(process.argv[2])));
