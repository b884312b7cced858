import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gitEnvironment } from './git-command';

const exec = promisify(execFile);

/** The rendered change of one app directory: a unified diff of `kustomize build` before and after. */
export type RenderedDiff = { ok: true; diff: string } | { ok: false; reason: string };

export interface RenderOptions {
  /** The kubectl binary (default kubectl on PATH). */
  kubectl?: string;
}

async function writeTree(root: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [relative, content] of files) {
    const target = path.join(root, relative);
    if (!target.startsWith(root + path.sep)) continue;
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

async function build(kubectl: string, dir: string): Promise<string> {
  const { stdout } = await exec(kubectl, ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  return stdout;
}

function firstLine(error: unknown): string {
  const e = error as { code?: string; stderr?: string; message?: string };
  if (e.code === 'ENOENT') return 'kubectl is not installed (not on PATH)';
  return (e.stderr || e.message || String(error)).trim().split('\n')[0] ?? 'failed';
}

/**
 * Renders the app directory's files before (absent for a new app) and after with `kubectl kustomize`
 * in a scratch directory and diffs the output with `git diff --no-index`. Never throws: a render
 * that cannot run is reported as a reason, for the PR body.
 */
export async function renderKustomizeDiff(
  appDir: string,
  before: ReadonlyMap<string, string> | undefined,
  after: ReadonlyMap<string, string>,
  options: RenderOptions = {},
): Promise<RenderedDiff> {
  const kubectl = options.kubectl ?? 'kubectl';
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'dk-render-'));
  try {
    await writeTree(path.join(scratch, 'after'), after);
    if (before !== undefined) await writeTree(path.join(scratch, 'before'), before);
    const [oldRender, newRender] = await Promise.allSettled([
      before === undefined ? Promise.resolve('') : build(kubectl, path.join(scratch, 'before')),
      build(kubectl, path.join(scratch, 'after')),
    ]);
    if (oldRender.status === 'rejected') {
      return { ok: false, reason: `kustomize build of the current ${appDir} failed: ${firstLine(oldRender.reason)}` };
    }
    if (newRender.status === 'rejected') {
      return { ok: false, reason: `kustomize build of the proposed ${appDir} failed: ${firstLine(newRender.reason)}` };
    }
    const oldYaml = oldRender.value;
    const newYaml = newRender.value;
    await writeFile(path.join(scratch, 'old.yaml'), oldYaml);
    await writeFile(path.join(scratch, 'new.yaml'), newYaml);
    const diff = await exec(
      'git',
      ['diff', '--no-index', '--no-color', '--no-ext-diff', '--src-prefix=a/', '--dst-prefix=b/', '-U3', 'old.yaml', 'new.yaml'],
      {
        cwd: scratch,
        env: gitEnvironment(),
        maxBuffer: 64 * 1024 * 1024,
      },
    ).then(
      (r) => r.stdout,
      // Exit 1 means "they differ": the diff is on stdout.
      (error: { code?: number; stdout?: string }) => (error.code === 1 ? (error.stdout ?? '') : Promise.reject(error)),
    );
    const name = `${appDir} (kustomize build)`;
    const body = diff
      .split('\n')
      .filter((line) => !line.startsWith('diff --git') && !line.startsWith('index '))
      .map((line) => (line === '--- a/old.yaml' ? `--- ${name}` : line === '+++ b/new.yaml' ? `+++ ${name}` : line))
      .join('\n');
    return { ok: true, diff: body.trimEnd() };
  } catch (error) {
    return { ok: false, reason: `could not render ${appDir}: ${firstLine(error)}` };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
