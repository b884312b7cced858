/**
 * Packages for action tests: scaffolded by the real `dk init` (the bundled CLI, cli/bin/dk.js,
 * which `npm run build:cli` writes), then copied into a fresh workspace per test.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './dist';

export const dk = path.join(repoRoot, 'cli/bin/dk.js');

/** A folder of workspaces holding copies of one scaffolded `demo` package (generic-node). */
export interface Workspaces {
  base: string;
  /** A fresh workspace named `name`, with the package at `demo/`. */
  create(name: string): Promise<string>;
  remove(): Promise<void>;
}

export async function scaffoldWorkspaces(prefix: string): Promise<Workspaces> {
  const base = await mkdtemp(path.join(tmpdir(), prefix));
  const template = path.join(base, '.template');
  await mkdir(template);
  await promisify(execFile)(process.execPath, [dk, 'init', 'demo', '--runtime', 'generic-node'], { cwd: template });
  return {
    base,
    create: async (name) => {
      const workspace = path.join(base, name);
      await cp(path.join(template, 'demo'), path.join(workspace, 'demo'), { recursive: true });
      return workspace;
    },
    remove: () => rm(base, { recursive: true, force: true }),
  };
}

/** Replaces `from` by `to` in a file (throws when `from` is not there). */
export async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  await writeFile(file, text.replace(from, to));
}

/** 1-based number of the line that starts with `text`. */
export function lineOf(content: string, text: string): number {
  const index = content.split('\n').findIndex((line) => line.startsWith(text));
  if (index < 0) throw new Error(`no line ${JSON.stringify(text)}`);
  return index + 1;
}

/** The manifest (parsed) and its raw bytes for `reference` (a tag or digest) in an OCI layout. */
export async function readLayoutManifest(
  layout: string,
  reference: string,
): Promise<{ digest: string; manifest: { annotations?: Record<string, string>; artifactType?: string } }> {
  const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find((m) => m.digest === reference || m.annotations?.['org.opencontainers.image.ref.name'] === reference);
  if (!entry) throw new Error(`${layout} has no manifest ${reference}`);
  const bytes = await readFile(path.join(layout, 'blobs', ...entry.digest.split(':')));
  return { digest: entry.digest, manifest: JSON.parse(bytes.toString('utf8')) as never };
}
