import { createHash } from 'node:crypto';

/**
 * A git object database in memory for the fake GitHub: blobs, trees and commits addressed by the
 * sha1 git itself would give them, so ids computed by a client (a blob's sha) match the server's.
 */

export interface Signature {
  name: string;
  email: string;
  /** ISO 8601. */
  date: string;
}

export interface TreeEntry {
  name: string;
  /** As GitHub shows it: 100644, 100755, 120000, 040000, 160000. */
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

export interface CommitObject {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: Signature;
  committer: Signature;
}

/** A file of a flattened tree. */
export interface FlatEntry {
  mode: string;
  sha: string;
}

export class GitObjectStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, TreeEntry[]>();
  readonly commits = new Map<string, CommitObject>();

  putBlob(content: string | Buffer): string {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const sha = objectId('blob', bytes);
    this.blobs.set(sha, bytes);
    return sha;
  }

  putTree(entries: readonly TreeEntry[]): string {
    const sorted = [...entries].sort((a, b) => compareBytes(sortKey(a), sortKey(b)));
    const body = treeBody(sorted);
    const sha = objectId('tree', body);
    this.trees.set(sha, sorted);
    return sha;
  }

  putCommit(commit: Omit<CommitObject, 'sha'>): string {
    const sha = objectId('commit', commitBody(commit));
    this.commits.set(sha, { ...commit, sha });
    return sha;
  }

  /** Every file below a tree, by path (blobs and submodules; subtrees are walked). */
  flatten(treeSha: string, prefix = '', into = new Map<string, FlatEntry>()): Map<string, FlatEntry> {
    for (const entry of this.trees.get(treeSha) ?? []) {
      if (entry.type === 'tree') this.flatten(entry.sha, `${prefix}${entry.name}/`, into);
      else into.set(`${prefix}${entry.name}`, { mode: entry.mode, sha: entry.sha });
    }
    return into;
  }

  /** The tree holding exactly these files, nested trees built (and stored) as needed. */
  buildTree(files: ReadonlyMap<string, FlatEntry>): string {
    const root = new Map<string, FlatEntry | Map<string, unknown>>();
    for (const [path, entry] of files) {
      const parts = path.split('/');
      let level = root;
      for (const part of parts.slice(0, -1)) {
        let next = level.get(part);
        if (!(next instanceof Map)) {
          next = new Map();
          level.set(part, next);
        }
        level = next as typeof root;
      }
      level.set(parts[parts.length - 1]!, entry);
    }
    const store = (level: typeof root): string =>
      this.putTree(
        [...level].map(([name, value]) =>
          value instanceof Map
            ? { name, mode: '040000', type: 'tree' as const, sha: store(value as typeof root) }
            : { name, mode: value.mode, type: value.mode === '160000' ? ('commit' as const) : ('blob' as const), sha: value.sha },
        ),
      );
    return store(root);
  }

  /** The entry at a path of a commit's tree (a file, or a directory as mode 040000). */
  entryAt(commitSha: string, path: string): TreeEntry | undefined {
    const commit = this.commits.get(commitSha);
    if (!commit) return undefined;
    let entry: TreeEntry | undefined = { name: '', mode: '040000', type: 'tree', sha: commit.tree };
    for (const part of path.split('/').filter(Boolean)) {
      if (entry?.type !== 'tree') return undefined;
      entry = this.trees.get(entry.sha)?.find((candidate) => candidate.name === part);
    }
    return entry;
  }

  /** All commits reachable from `sha`, itself included. */
  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const pending = [sha];
    while (pending.length > 0) {
      const next = pending.pop()!;
      if (seen.has(next)) continue;
      const commit = this.commits.get(next);
      if (!commit) continue;
      seen.add(next);
      pending.push(...commit.parents);
    }
    return seen;
  }

  isAncestor(ancestor: string, of: string): boolean {
    return this.ancestors(of).has(ancestor);
  }

  /** Every object as git stores it (type and body), for writing them into a real repository. */
  *rawObjects(): Generator<{ sha: string; type: 'blob' | 'tree' | 'commit'; body: Buffer }> {
    for (const [sha, body] of this.blobs) yield { sha, type: 'blob', body };
    for (const [sha, entries] of this.trees) yield { sha, type: 'tree', body: treeBody(entries) };
    for (const [sha, commit] of this.commits) yield { sha, type: 'commit', body: commitBody(commit) };
  }
}

function treeBody(entries: readonly TreeEntry[]): Buffer {
  return Buffer.concat(
    entries.map((entry) => Buffer.concat([Buffer.from(`${entry.mode.replace(/^0+/, '')} ${entry.name}\0`), Buffer.from(entry.sha, 'hex')])),
  );
}

function commitBody(commit: Omit<CommitObject, 'sha'>): Buffer {
  const lines = [`tree ${commit.tree}`, ...commit.parents.map((parent) => `parent ${parent}`)];
  lines.push(`author ${signatureLine(commit.author)}`, `committer ${signatureLine(commit.committer)}`, '', commit.message);
  return Buffer.from(lines.join('\n'), 'utf8');
}

function objectId(type: string, body: Buffer): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

/** git orders tree entries by name, a subtree's name taken as if it ended with "/". */
function sortKey(entry: TreeEntry): Buffer {
  return Buffer.from(entry.type === 'tree' ? `${entry.name}/` : entry.name, 'utf8');
}

function compareBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

function signatureLine(signature: Signature): string {
  return `${signature.name} <${signature.email}> ${Math.floor(Date.parse(signature.date) / 1000)} +0000`;
}
