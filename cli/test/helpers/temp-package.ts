/**
 * Temporary package directories for tests: created from a map of relative paths to contents,
 * snapshotted (to prove a command wrote nothing) and removed afterwards.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A symbolic link, created as is (it may dangle or loop). */
export interface SymlinkSpec {
  symlink: string;
}

/** An (empty) directory. */
export interface DirSpec {
  dir: true;
}

export type FileSpec = string | Uint8Array | SymlinkSpec | DirSpec;
export type FileTree = Record<string, FileSpec>;

export interface TempDir {
  /** Absolute path of the directory. */
  readonly dir: string;
  /** Absolute path of a file inside it. */
  path(...segments: string[]): string;
  /** Adds more files (same forms as createTempDir). */
  write(files: FileTree): void;
  /** Every entry below the directory (not following links): type, size, mtime and a content hash. */
  snapshot(): Record<string, string>;
  remove(): void;
}

function isSymlink(spec: FileSpec): spec is SymlinkSpec {
  return typeof spec === 'object' && !(spec instanceof Uint8Array) && 'symlink' in spec;
}

function isDir(spec: FileSpec): spec is DirSpec {
  return typeof spec === 'object' && !(spec instanceof Uint8Array) && 'dir' in spec;
}

function writeTree(root: string, files: FileTree): void {
  for (const [relative, spec] of Object.entries(files)) {
    const full = path.join(root, relative);
    mkdirSync(path.dirname(full), { recursive: true });
    if (isSymlink(spec)) symlinkSync(spec.symlink, full);
    else if (isDir(spec)) mkdirSync(full, { recursive: true });
    else writeFileSync(full, spec);
  }
}

function snapshotTree(root: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const relative = path.relative(root, full).split(path.sep).join('/');
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) {
        entries[relative] = `link -> ${readlinkSync(full)}`;
      } else if (stat.isDirectory()) {
        entries[relative] = `dir mode=${(stat.mode & 0o7777).toString(8)}`;
        walk(full);
      } else if (stat.isFile()) {
        const hash = createHash('sha256').update(readFileSync(full)).digest('hex');
        entries[relative] = `file size=${stat.size} mtime=${stat.mtimeMs} mode=${(stat.mode & 0o7777).toString(8)} sha256=${hash}`;
      } else {
        entries[relative] = `other mode=${stat.mode.toString(8)}`;
      }
    }
  };
  walk(root);
  return entries;
}

/** Creates a fresh directory under the system temp dir holding `files`. */
export function createTempDir(files: FileTree = {}, prefix = 'dk-test-'): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  writeTree(dir, files);
  return {
    dir,
    path: (...segments) => path.join(dir, ...segments),
    write: (more) => writeTree(dir, more),
    snapshot: () => snapshotTree(dir),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Keeps track of the temp dirs a test file creates so that one `afterEach(() => temps.cleanup())`
 * removes them all.
 */
export class TempDirs {
  private readonly dirs: TempDir[] = [];

  create(files: FileTree = {}, prefix?: string): TempDir {
    const temp = createTempDir(files, prefix);
    this.dirs.push(temp);
    return temp;
  }

  cleanup(): void {
    for (const temp of this.dirs.splice(0)) temp.remove();
  }
}

/** 1-based number of the only line of `text` that contains `needle` (throws if none or several). */
export function lineOf(text: string, needle: string): number {
  const lines = text.split('\n');
  const hits = lines.flatMap((line, i) => (line.includes(needle) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`lineOf: ${JSON.stringify(needle)} found on ${hits.length} lines, expected exactly one`);
  return hits[0]!;
}

/** 1-based column of `needle` on its (only) line of `text`. */
export function columnOf(text: string, needle: string): number {
  const line = text.split('\n')[lineOf(text, needle) - 1]!;
  return line.indexOf(needle) + 1;
}

export const transformYaml = `apiVersion: datakit.dev/v1alpha1
kind: Transform
metadata:
  name: demo
  version: 0.1.0
spec:
  runtime: generic-node
  mode: batch
  image: node:20-slim
  inputs:
    - dataset: demo-input
  outputs:
    - dataset: demo-output
`;

export function dataSetYaml(
  name: string,
  prefix: string,
  options: { store?: string; classification?: string; schema?: string } = {},
): string {
  return `apiVersion: datakit.dev/v1alpha1
kind: DataSet
metadata:
  name: ${name}
  version: 0.1.0
spec:
  store: ${options.store ?? 'local'}
  prefix: ${prefix}
  format: jsonl
  classification: ${options.classification ?? 'internal'}
  schema:
${options.schema ?? '    - name: id\n      type: integer\n'}`;
}

export const storeYaml = `apiVersion: datakit.dev/v1alpha1
kind: Store
metadata:
  name: local
spec:
  connector: file
  connection:
    path: ./data
`;

/** The smallest valid package (flat layout): dk.yaml, two DataSets and a Store. */
export function minimalPackage(overrides: FileTree = {}): FileTree {
  return {
    'dk.yaml': transformYaml,
    'dataset/demo-input.yaml': dataSetYaml('demo-input', 'input/'),
    'dataset/demo-output.yaml': dataSetYaml('demo-output', 'output/'),
    'store/local.yaml': storeYaml,
    ...overrides,
  };
}
