// Bundles the dk CLI into one ESM file: one file to load is what keeps `dk lint` fast.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';

const { version } = JSON.parse(await readFile(new URL('../cli/package.json', import.meta.url), 'utf8'));
await rm('cli/dist', { recursive: true, force: true });
await build({
  entryPoints: ['cli/src/index.ts'],
  outdir: 'cli/dist',
  entryNames: 'dk',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'linked',
  sourcemap: 'linked',
  define: { DK_VERSION: JSON.stringify(version) },
  banner: { js: "import { createRequire as __dkCreateRequire } from 'node:module'; const require = __dkCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
