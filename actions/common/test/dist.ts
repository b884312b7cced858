/**
 * dist/ is committed (GitHub runs actions from the repository, without installing anything), so it
 * must be exactly what the build produces from the sources next to it. `describeDist` registers
 * the checks for one action.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = path.posix.join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path.join(dir, entry.name), relative)));
    else files.push(relative);
  }
  return files.sort();
}

/** `licenses`: packages whose licence text must be in dist/licenses.txt. */
export function describeDist(actionDir: string, licenses: string[]): void {
  const distDir = path.join(actionDir, 'dist');
  const workspace = path.relative(repoRoot, actionDir);

  describe(`${workspace} dist/`, () => {
    it('npm run build runs the reproducible build script', async () => {
      const pkg = JSON.parse(await readFile(path.join(actionDir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(pkg.scripts.build).toBe('node scripts/build.mjs');
    });

    it('is an ES module bundle with its licences', async () => {
      expect(await listFiles(distDir)).toEqual(['index.js', 'licenses.txt', 'package.json']);
      expect(JSON.parse(await readFile(path.join(distDir, 'package.json'), 'utf8'))).toEqual({ type: 'module' });
      const text = await readFile(path.join(distDir, 'licenses.txt'), 'utf8');
      for (const name of licenses) expect(text).toMatch(new RegExp(`^${name}$`, 'm'));
    });

    it(`matches a fresh build byte for byte (run \`npm run build -w ${workspace}\` after changing the action, sdk or contracts)`, async () => {
      const out = await mkdtemp(path.join(tmpdir(), 'dk-action-build-'));
      try {
        // Started from the repository root on purpose: the build script must not depend on the caller's directory.
        await promisify(execFile)(process.execPath, [path.join(actionDir, 'scripts/build.mjs'), out], { cwd: repoRoot });
        const fresh = await listFiles(out);
        expect(await listFiles(distDir)).toEqual(fresh);
        const stale: string[] = [];
        for (const file of fresh) {
          const [built, committed] = await Promise.all([readFile(path.join(out, file)), readFile(path.join(distDir, file))]);
          if (!built.equals(committed)) stale.push(file);
        }
        expect(stale, `dist/ differs from a fresh build: run npm run build -w ${workspace}`).toEqual([]);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    }, 180_000);
  });
}
