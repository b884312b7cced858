import { open, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { createIssue, type Issue } from '../core/issue';

/** Folder names whose YAML files are DataKit manifests in either package layout. */
const manifestFolders = new Set(['connector', 'connectors', 'store', 'stores', 'dataset', 'datasets']);
/** Folders never searched: tooling output, dependencies, virtual environments. */
const skippedFolders = new Set(['node_modules', 'dist', 'target', 'dbt_packages', 'venv', '__pycache__', 'logs']);
const packageFiles = new Set(['dk.yaml', 'dk.yml']);
const datakitApiVersion = /^apiVersion:\s*["']?datakit\.[a-z.]*\/[a-z0-9]+["']?\s*(#.*)?$/m;

export interface DiscoverOptions {
  /** Search the whole tree for packages instead of treating the directory as one package or project. */
  scan: boolean;
}

export interface Discovery {
  /** Absolute paths of manifest files, sorted. */
  files: string[];
  issues: Issue[];
  /** True when the root holds a package (dk.yaml) or a project (transforms/, datasets/). */
  isPackageOrProject: boolean;
  /** Something that should be readable was not (exit code 2 on the command line). */
  ioFailure: boolean;
}

/**
 * Finds the manifest files below `root`: dk.yaml files, YAML files in connector/, store/,
 * dataset/ (and their project-layout plurals), and any other YAML file whose apiVersion is a
 * DataKit group. Symbolic-link loops are reported and skipped.
 */
export async function discoverManifestFiles(root: string, options: DiscoverOptions): Promise<Discovery> {
  const issues: Issue[] = [];
  const files: string[] = [];
  const rootEntries = await readdir(root, { withFileTypes: true });
  const rootNames = new Set(rootEntries.map((e) => e.name));
  const hasPackage = [...packageFiles].some((f) => rootNames.has(f));
  const isProject = ['transforms', 'datasets', 'stores', 'connectors'].some((d) => rootNames.has(d));
  const isPackageOrProject = hasPackage || isProject;
  const onlyThisPackage = !options.scan && hasPackage && !isProject;

  let ioFailure = false;
  const unreadable = (message: string, file: string) => {
    issues.push(createIssue('DK503', message, { file }));
    ioFailure = true;
  };
  const visitedDirs = new Set<string>();
  const walk = async (dir: string, depth: number, ancestors: readonly string[]): Promise<void> => {
    let real: string;
    try {
      real = await realpath(dir);
    } catch {
      unreadable('cannot resolve directory', dir);
      return;
    }
    if (ancestors.includes(real)) {
      issues.push(createIssue('DK504', `symbolic link loop: ${path.basename(dir)} points back at ${real}`, { file: dir }));
      return;
    }
    if (visitedDirs.has(real) || depth > 40) return;
    visitedDirs.add(real);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      unreadable(`cannot read directory: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, dir);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const chain = [...ancestors, real];
    const inManifestFolder = manifestFolders.has(path.basename(dir)) || manifestFolders.has(path.basename(path.dirname(dir)));
    const subdirs: string[] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const target = await stat(full);
          isDir = target.isDirectory();
          isFile = target.isFile();
          if (isDir) {
            // A link to one of its own parent directories would make the walk endless.
            const targetReal = await realpath(full);
            if (real === targetReal || real.startsWith(targetReal + path.sep)) {
              issues.push(
                createIssue('DK504', `symbolic link loop: ${entry.name} points at its own parent directory ${targetReal}`, { file: full }),
              );
              continue;
            }
          }
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ELOOP') {
            issues.push(createIssue('DK504', `symbolic link loop at ${entry.name}`, { file: full }));
          } else if (isYamlName(entry.name)) {
            unreadable(`cannot read file: dangling symbolic link (${code ?? 'error'})`, full);
          }
          continue;
        }
      }
      if (isDir && packageFiles.has(entry.name)) {
        unreadable(`cannot read ${entry.name}: it is a directory`, full);
        continue;
      }
      if (isDir) {
        if (entry.name.startsWith('.') || skippedFolders.has(entry.name)) continue;
        subdirs.push(full);
      } else if (isFile && isYamlName(entry.name)) {
        if (packageFiles.has(entry.name) || inManifestFolder || (await looksLikeManifest(full))) files.push(full);
      } else if (!isFile && !isDir && isYamlName(entry.name)) {
        unreadable('cannot read file: not a regular file', full);
      }
    }
    for (const sub of subdirs) {
      if (onlyThisPackage && depth === 0 && !manifestFolders.has(path.basename(sub))) {
        // A sub-folder holding its own dk.yaml is another package: not part of this one.
        const names = await readdir(sub).catch(() => [] as string[]);
        if (names.some((n) => packageFiles.has(n))) continue;
      }
      await walk(sub, depth + 1, chain);
    }
  };
  await walk(root, 0, []);
  files.sort();
  return { files, issues, isPackageOrProject, ioFailure };
}

function isYamlName(name: string): boolean {
  return name.endsWith('.yaml') || name.endsWith('.yml');
}

/** Reads the first few KiB of a YAML file outside the manifest folders to see whether it is ours. */
async function looksLikeManifest(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(4096);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return datakitApiVersion.test(buffer.subarray(0, bytesRead).toString('utf8'));
    } finally {
      await handle.close();
    }
  } catch {
    return true; // let the loader report why it cannot be read
  }
}
