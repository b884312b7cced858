// Bundles an action into its dist/ with ncc, reproducibly: used by each action's scripts/build.mjs.
//
// The output must be reproducible, because dist/ is committed and checked against a fresh build:
// - ncc (webpack) names every bundled module by hashing its path relative to the current working
//   directory, and leaves its own package out of licenses.txt only when started from its folder.
//   Started from anywhere else, the same sources give another dist/. So ncc always runs in the
//   action's folder.
// - ncc only deletes old *.js files in the output folder; anything else would linger. The folder
//   is emptied first, so that it holds exactly what this build produced.
// - ncc only transpiles (--transpile-only). Otherwise its TypeScript loader type-checks the whole
//   root tsconfig project (every workspace and test file) on each build, so that an unrelated type
//   error anywhere would break every action's build; type checking is `npm run typecheck`'s job.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const require = createRequire(import.meta.url);

/**
 * Builds `<actionDir>/src/index.ts` into `outDir` (default `<actionDir>/dist`): index.js,
 * licenses.txt and package.json. Returns ncc's exit status.
 */
export function buildAction(actionDir, outDir = path.join(actionDir, 'dist')) {
  const nccPackage = require.resolve('@vercel/ncc/package.json');
  const nccCli = path.join(path.dirname(nccPackage), JSON.parse(readFileSync(nccPackage, 'utf8')).bin.ncc);
  const out = path.resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  const build = spawnSync(
    process.execPath,
    [nccCli, 'build', 'src/index.ts', '--out', out, '--license', 'licenses.txt', '--target', 'es2022', '--transpile-only', '--quiet'],
    { cwd: actionDir, stdio: 'inherit' },
  );
  return build.status ?? 1;
}
