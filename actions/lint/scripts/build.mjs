// Bundles the action into dist/ with ncc: `node scripts/build.mjs [out-dir]` (default: dist).
//
// The output must be reproducible, because dist/ is committed and checked against a fresh build:
// - ncc (webpack) names every bundled module by hashing its path relative to the current working
//   directory, and leaves its own package out of licenses.txt only when started from its folder.
//   Started from anywhere else, the same sources give another dist/. So ncc always runs here.
// - ncc only deletes old *.js files in the output folder; anything else would linger. The folder
//   is emptied first, so that it holds exactly what this build produced.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const actionDir = fileURLToPath(new URL('..', import.meta.url));
const outDir = path.resolve(process.argv[2] ?? path.join(actionDir, 'dist'));

const require = createRequire(import.meta.url);
const nccPackage = require.resolve('@vercel/ncc/package.json');
const nccCli = path.join(path.dirname(nccPackage), JSON.parse(readFileSync(nccPackage, 'utf8')).bin.ncc);

rmSync(outDir, { recursive: true, force: true });
const build = spawnSync(
  process.execPath,
  [nccCli, 'build', 'src/index.ts', '--out', outDir, '--license', 'licenses.txt', '--target', 'es2022', '--quiet'],
  { cwd: actionDir, stdio: 'inherit' },
);
process.exit(build.status ?? 1);
