// Bundles the DataKit GitHub App: app/dist/index.js (for `probot run`) and app/dist/server.js (the
// standalone server). The workspace packages (@datakit/sdk and @datakit/contracts export TypeScript
// sources) and their dependencies are bundled; probot and its dependencies (pino, @octokit/*, …)
// stay external and are loaded from node_modules. Paths resolve from this file, so it runs from
// any directory (`npm run build -w app` runs it from app/).
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const probotPackage = await readProbotPackage();
// What the bundled workspace packages declare themselves (yaml, …) is bundled at their version.
const bundled = new Set();
for (const workspace of ['sdk', 'contracts']) {
  const pkg = JSON.parse(await readFile(path.join(root, workspace, 'package.json'), 'utf8'));
  for (const name of Object.keys(pkg.dependencies ?? {})) bundled.add(name);
}
const external = ['probot', 'pino', ...Object.keys(probotPackage.dependencies ?? {})]
  .filter((name) => name === 'probot' || name === 'pino' || !bundled.has(name))
  .flatMap((name) => [name, `${name}/*`]);

await rm(new URL('../app/dist', import.meta.url), { recursive: true, force: true });
try {
  await build({
    absWorkingDir: root,
    entryPoints: { index: 'app/src/index.ts', server: 'app/src/server.ts' },
    outdir: 'app/dist',
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external,
    legalComments: 'linked',
    sourcemap: 'linked',
    // Bundled CommonJS dependencies call require() for node built-ins.
    banner: { js: "import { createRequire as __dkCreateRequire } from 'node:module'; const require = __dkCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
} catch {
  // esbuild has printed the errors.
  process.exitCode = 1;
}

/** probot's package.json, found from its entry point as the app workspace resolves it (it exports no ./package.json). */
async function readProbotPackage() {
  let dir = path.dirname(createRequire(path.join(root, 'app/package.json')).resolve('probot'));
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'probot') return pkg;
    } catch {
      // no package.json here: keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('build-app: cannot find the package.json of probot');
    dir = parent;
  }
}
