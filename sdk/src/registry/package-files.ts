import type { Dirent, Stats } from 'node:fs';
import { lstat, open, readFile, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { DataKitError, FileSystemError, systemErrorCode } from '../core/errors';

/** A file or symbolic link to store in an artifact layer. Directories are implied by paths. */
export interface PackageEntry {
  /** Relative to the package root, POSIX separators. */
  path: string;
  absolutePath: string;
  type: 'file' | 'symlink';
  /** Bytes of a file; 0 for a link. */
  size: number;
  /**
   * Stored as 0755 when the file starts with "#!", otherwise 0644. Derived from content rather
   * than the file's mode, so that chmod, umask or a checkout that drops modes never changes the
   * artifact's digest, while scripts stay runnable after a pull.
   */
  executable: boolean;
  /** A link's target, relative to the link's directory (POSIX), normalised. */
  linkTarget?: string;
  /**
   * Device, inode, size, mtime and ctime as read: equal stamps mean unchanged content for the
   * layer cache (ctime also moves on chmod and on writes that restore the mtime).
   */
  stamp: string;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface PackageFiles {
  /** Manifests, schema files and .dkignore, sorted by the bytes of their path. */
  manifestEntries: PackageEntry[];
  /** Everything else, sorted by the bytes of their path. */
  contentEntries: PackageEntry[];
  /** Sockets, FIFOs and devices found in the tree: they cannot be packaged and are left out. */
  skipped: SkippedFile[];
}

export interface SelectPackageFilesOptions {
  /** Absolute paths of the package's manifest files: always in the manifest layer. */
  manifestFiles: readonly string[];
  /** Absolute paths of further schema files (for example a DataSet's spec.schemaRef). */
  schemaFiles?: readonly string[];
  /** Package files that look like secrets (.env, keys, …) instead of refusing them. */
  allowSecretFiles?: boolean;
  /** Absolute paths left out with everything below them, e.g. an output layout inside the package. */
  exclude?: readonly string[];
}

/** Never packaged, whatever .dkignore says. */
export const defaultExcludes: readonly string[] = ['.git', 'node_modules/', '.dk/', '.DS_Store'];

export const ignoreFileName = '.dkignore';

/**
 * Chooses the files of a package for its two layers: every file and link below `packageDir`
 * except what .dkignore (gitignore syntax) and the defaults exclude. Refuses secret-looking files
 * and links that leave the package. Files named by the caller are included even when ignored.
 */
export async function selectPackageFiles(packageDir: string, options: SelectPackageFilesOptions): Promise<PackageFiles> {
  const root = path.resolve(packageDir);
  const rootReal = await realpath(root).catch((error: unknown) => {
    const code = systemErrorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileSystemError('DK502', `${packageDir}: no such directory`, { cause: error });
    throw new FileSystemError('DK503', `${packageDir}: cannot be read (${code ?? String(error)})`, { cause: error });
  });
  const context: WalkContext = {
    root,
    roots: [root, rootReal],
    defaults: ignore().add([...defaultExcludes]),
    rules: ignore().add(await readIgnoreFile(root)),
    excluded: new Set((options.exclude ?? []).map((p) => path.resolve(p))),
    entries: new Map(),
    skipped: [],
  };
  await walk(context, root);

  const named = new Set<string>();
  for (const file of [...options.manifestFiles, ...(options.schemaFiles ?? [])]) {
    const absolute = path.resolve(file);
    const relative = insideRelative(context.roots, absolute);
    if (relative === undefined || relative === '') {
      throw new DataKitError('DK513', `${file} is outside the package directory ${packageDir}`, {
        hint: 'A package can only carry files below its own directory.',
      });
    }
    named.add(relative);
    if (!context.entries.has(relative)) {
      const entry = await entryFor(context, absolute, relative, await lstatOrThrow(absolute));
      if (!entry) throw new FileSystemError('DK503', `${file}: not a regular file or link`);
      context.entries.set(relative, entry);
    }
  }

  const all = [...context.entries.values()];
  if (!options.allowSecretFiles) await refuseSecrets(all);
  const manifestEntries: PackageEntry[] = [];
  const contentEntries: PackageEntry[] = [];
  for (const entry of all) (named.has(entry.path) || isManifestLayerFile(entry.path) ? manifestEntries : contentEntries).push(entry);
  return { manifestEntries: sortEntries(manifestEntries), contentEntries: sortEntries(contentEntries), skipped: context.skipped };
}

interface WalkContext {
  root: string;
  /** The root as given and as resolved through links: absolute link targets may use either. */
  roots: readonly string[];
  defaults: Ignore;
  rules: Ignore;
  excluded: ReadonlySet<string>;
  entries: Map<string, PackageEntry>;
  skipped: SkippedFile[];
}

async function readIgnoreFile(root: string): Promise<string> {
  try {
    return await readFile(path.join(root, ignoreFileName), 'utf8');
  } catch (error) {
    if (systemErrorCode(error) === 'ENOENT') return '';
    throw new FileSystemError('DK503', `${path.join(root, ignoreFileName)}: cannot be read (${systemErrorCode(error) ?? String(error)})`, {
      cause: error,
    });
  }
}

async function walk(context: WalkContext, dir: string): Promise<void> {
  let children: Dirent[];
  try {
    children = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new FileSystemError('DK503', `${dir}: cannot be read (${systemErrorCode(error) ?? String(error)})`, { cause: error });
  }
  for (const child of children) {
    const absolute = path.join(dir, child.name);
    const relative = toPosix(path.relative(context.root, absolute));
    if (context.excluded.has(absolute)) continue;
    if (child.isDirectory()) {
      if (isIgnored(context, `${relative}/`)) continue;
      await walk(context, absolute);
      continue;
    }
    if (isIgnored(context, relative)) continue;
    const entry = await entryFor(context, absolute, relative, await lstatOrThrow(absolute));
    if (entry) context.entries.set(relative, entry);
  }
}

function stampOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

async function startsWithShebang(file: string, size: number): Promise<boolean> {
  if (size < 2) return false;
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    return head[0] === 0x23 && head[1] === 0x21;
  } finally {
    await handle.close();
  }
}

function isIgnored(context: WalkContext, relative: string): boolean {
  return context.defaults.ignores(relative) || context.rules.ignores(relative);
}

async function entryFor(context: WalkContext, absolute: string, relative: string, stats: Stats): Promise<PackageEntry | undefined> {
  if (stats.isFile()) {
    return {
      path: relative,
      absolutePath: absolute,
      type: 'file',
      size: stats.size,
      executable: await startsWithShebang(absolute, stats.size),
      stamp: stampOf(stats),
    };
  }
  if (stats.isSymbolicLink()) {
    return {
      path: relative,
      absolutePath: absolute,
      type: 'symlink',
      size: 0,
      executable: false,
      linkTarget: await linkTarget(context, absolute),
      stamp: stampOf(stats),
    };
  }
  if (!stats.isDirectory()) context.skipped.push({ path: relative, reason: kindOf(stats) });
  return undefined;
}

/** The link's target relative to its own directory, refused when it resolves outside the package. */
async function linkTarget(context: WalkContext, link: string): Promise<string> {
  let raw: string;
  try {
    raw = await readlink(link);
  } catch (error) {
    throw new FileSystemError('DK503', `${link}: cannot read the link (${systemErrorCode(error) ?? String(error)})`, { cause: error });
  }
  const linkDir = path.dirname(link);
  const resolved = path.isAbsolute(raw) ? rebase(context.roots, path.resolve(raw), context.root) : path.resolve(linkDir, raw);
  if (resolved === undefined || insideRelative([context.root], resolved) === undefined) {
    throw new DataKitError('DK513', `symbolic link ${toPosix(path.relative(context.root, link))} -> ${raw} points outside the package`, {
      hint: 'Copy the file into the package, make the link point inside it, or add the link to .dkignore.',
    });
  }
  return toPosix(path.relative(linkDir, resolved)) || '.';
}

/** `absolute` under `root` when it lies inside one of `roots`. */
function rebase(roots: readonly string[], absolute: string, root: string): string | undefined {
  const relative = insideRelative(roots, absolute);
  return relative === undefined ? undefined : path.join(root, relative);
}

/** The path of `absolute` relative to the first of `roots` holding it ('' for a root itself). */
function insideRelative(roots: readonly string[], absolute: string): string | undefined {
  for (const root of roots) {
    const relative = path.relative(root, absolute);
    if (relative === '') return '';
    if (!path.isAbsolute(relative) && relative !== '..' && !relative.startsWith(`..${path.sep}`)) return toPosix(relative);
  }
  return undefined;
}

async function lstatOrThrow(file: string): Promise<Stats> {
  try {
    return await lstat(file);
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === 'ENOENT') throw new FileSystemError('DK502', `${file}: no such file`, { cause: error });
    throw new FileSystemError('DK503', `${file}: cannot be read (${code ?? String(error)})`, { cause: error });
  }
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function isManifestLayerFile(relative: string): boolean {
  return relative === ignoreFileName || /\.avsc$/i.test(relative) || /\.schema\.json$/i.test(relative);
}

function toPosix(relative: string): string {
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}

export function sortEntries<T extends { path: string }>(entries: T[]): T[] {
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.path, 'utf8'), Buffer.from(b.path, 'utf8')));
}

/**
 * What makes a path look like a secret, by name. Templates that are committed on purpose
 * (.env.example, .env.sample, .env.template) and public keys (*.pub) are not secrets.
 */
export function secretFileReason(relative: string): string | undefined {
  const lower = relative.toLowerCase();
  const base = lower.slice(lower.lastIndexOf('/') + 1);
  if (base === '.env' || (base.startsWith('.env.') && !/^\.env\.(example|sample|template)$/.test(base))) return 'an environment file';
  if (/\.(pem|key)$/.test(base)) return 'a private key or certificate';
  if (/^id_(rsa|dsa|ecdsa|ed25519)/.test(base) && !base.endsWith('.pub')) return 'an SSH private key';
  if (/\.(p12|pfx|keystore|jks)$/.test(base)) return 'a key store';
  if (base === 'kubeconfig' || lower === '.kube/config' || lower.endsWith('/.kube/config')) return 'a Kubernetes config';
  if (base === 'credentials.json') return 'a credentials file';
  if (lower === '.aws/credentials' || lower.endsWith('/.aws/credentials')) return 'AWS credentials';
  if (base === '.netrc' || base === '.pgpass') return 'a password file';
  return undefined;
}

/** Files larger than this are not opened to look for service-account keys. */
const serviceAccountScanLimit = 1024 * 1024;

async function refuseSecrets(entries: readonly PackageEntry[]): Promise<void> {
  for (const entry of entries) {
    const reason = secretFileReason(entry.path) ?? (await serviceAccountReason(entry));
    if (reason) {
      throw new DataKitError('DK512', `${entry.path} looks like a secret (${reason}); it was not packaged`, {
        hint: `Add ${entry.path} to .dkignore, or pass --allow-secret-files if it holds no secret.`,
      });
    }
  }
}

/** A Google service-account key: JSON with "type": "service_account" and a private_key. */
async function serviceAccountReason(entry: PackageEntry): Promise<string | undefined> {
  if (entry.type !== 'file' || !/\.json$/i.test(entry.path) || entry.size > serviceAccountScanLimit) return undefined;
  let text: string;
  try {
    text = await readFile(entry.absolutePath, 'utf8');
  } catch (error) {
    throw new FileSystemError('DK503', `${entry.absolutePath}: cannot be read (${systemErrorCode(error) ?? String(error)})`, {
      cause: error,
    });
  }
  if (!text.includes('private_key')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      if (record.type === 'service_account' && typeof record.private_key === 'string') return 'a service-account key';
    }
  } catch {
    // Not JSON: not a service-account key either.
  }
  return undefined;
}
