import { stat } from 'node:fs/promises';
import path from 'node:path';
import { FileSystemError, systemErrorCode } from '../core/errors';
import { createIssue, type Issue } from '../core/issue';
import { discoverManifestFiles } from './discover';
import { parseYamlDocuments, type ParsedDocument } from './parse-yaml';
import { readTextFile } from './read-text-file';

/** A manifest document as read from disk, before validation. */
export interface LoadedManifest {
  file: string;
  document: ParsedDocument;
  /** The document's value: a mapping (anything else is reported and not loaded). */
  value: Record<string, unknown>;
  kind: string | undefined;
  apiVersion: string | undefined;
  name: string | undefined;
}

export interface LoadedTree {
  root: string;
  manifests: LoadedManifest[];
  /**
   * Manifests of the enclosing project when the target is one package inside it
   * (project/transforms/<n>): used to resolve references, never reported on.
   */
  context: LoadedManifest[];
  issues: Issue[];
  /** Number of files read. */
  fileCount: number;
  /** True when a file could not be read at all (an I/O failure rather than a finding). */
  ioFailure: boolean;
}

export interface LoadOptions {
  scan?: boolean;
}

/**
 * Loads every manifest of a package, a project, a scanned tree or a single file.
 * Findings become issues; only a missing target throws.
 */
export async function loadManifests(target: string, options: LoadOptions = {}): Promise<LoadedTree> {
  const root = path.resolve(target);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(root)).isDirectory();
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new FileSystemError('DK502', `${target}: no such file or directory`, { cause: error });
    }
    throw new FileSystemError('DK503', `${target}: cannot be read (${code ?? String(error)})`, { cause: error });
  }
  const issues: Issue[] = [];
  let files: string[];
  let discoveryFailed = false;
  if (isDirectory) {
    const discovery = await discoverManifestFiles(root, { scan: options.scan ?? false });
    issues.push(...discovery.issues);
    discoveryFailed = discovery.ioFailure;
    files = discovery.files;
    if (files.length === 0 || (!options.scan && !discovery.isPackageOrProject)) {
      issues.push(
        createIssue(
          'DK501',
          options.scan
            ? `no DataKit manifests found below ${target}`
            : `${target} is not a package: no dk.yaml, transforms/ or datasets/ here`,
          { file: root },
          {
            hint: options.scan ? undefined : 'Run dk init <name> to create a package, or add --scan-dir to search every package below it.',
          },
        ),
      );
      files = options.scan ? files : [];
    }
  } else {
    files = [root];
  }

  const { manifests, ioFailure } = await readManifestFiles(files, issues);
  const projectRoot = isDirectory && !options.scan ? await findEnclosingProject(root) : undefined;
  let context: LoadedManifest[] = [];
  if (projectRoot) {
    const discovery = await discoverManifestFiles(projectRoot, { scan: false });
    const outside = discovery.files.filter((f) => !f.startsWith(root + path.sep));
    context = (await readManifestFiles(outside, [])).manifests.filter((m) => m.kind !== 'Transform');
  }
  return { root, manifests, context, issues, fileCount: files.length, ioFailure: ioFailure || discoveryFailed };
}

/** A project holding `dir` as transforms/<n> or datasets/<n>, a few levels up at most. */
async function findEnclosingProject(dir: string): Promise<string | undefined> {
  const parent = path.dirname(dir);
  if (!['transforms', 'datasets'].includes(path.basename(parent))) return undefined;
  const project = path.dirname(parent);
  return project === parent ? undefined : project;
}

async function readManifestFiles(files: readonly string[], issues: Issue[]): Promise<{ manifests: LoadedManifest[]; ioFailure: boolean }> {
  const manifests: LoadedManifest[] = [];
  let ioFailure = false;
  const results = await Promise.all(files.map(async (file) => ({ file, read: await readTextFile(file) })));
  for (const { file, read } of results) {
    if (!read.ok) {
      issues.push(read.issue);
      ioFailure ||= read.io;
      continue;
    }
    const parsed = parseYamlDocuments(read.text, file);
    issues.push(...parsed.issues);
    if (parsed.documents.length === 0 && parsed.issues.length === 0) {
      issues.push(
        createIssue('DK102', 'the file is empty: a manifest needs apiVersion, kind, metadata and spec', { file, line: 1, column: 1 }),
      );
    }
    if (parsed.documents.length > 1) {
      issues.push(
        createIssue('DK121', `${parsed.documents.length} documents in one file; each is read as a manifest`, { file, line: 1, column: 1 }),
      );
    }
    for (const document of parsed.documents) {
      const value = document.value;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        const what = value === null || value === undefined ? 'empty' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
        issues.push(createIssue('DK102', `the document is ${what}, not a mapping`, { ...document.locate([]), path: undefined }));
        continue;
      }
      const record = value as Record<string, unknown>;
      manifests.push({
        file,
        document,
        value: record,
        kind: typeof record.kind === 'string' ? record.kind : undefined,
        apiVersion: typeof record.apiVersion === 'string' ? record.apiVersion : undefined,
        name: nameOf(record),
      });
    }
  }
  return { manifests, ioFailure };
}

function nameOf(record: Record<string, unknown>): string | undefined {
  const metadata = record.metadata;
  if (metadata && typeof metadata === 'object' && !Array.isArray(metadata)) {
    const name = (metadata as Record<string, unknown>).name;
    return typeof name === 'string' ? name : undefined;
  }
  return undefined;
}
