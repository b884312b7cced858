import type { Octokit } from '@octokit/rest';
import type { Logger } from '../core/logger';
import { isGitHubStatus } from './github-errors';

/** What every GitHub operation of one repository needs. */
export interface RepoContext {
  octokit: Octokit;
  owner: string;
  repo: string;
  logger: Logger;
  /** Trees, blobs and commits by id, shared by long-lived callers (the app); ids never change content. */
  objects?: GitObjectCache;
}

/**
 * A bounded cache of git objects read from GitHub, keyed by repository and object id: an object id
 * names its content for good, so nothing here is ever stale. Failed reads are not kept.
 */
export class GitObjectCache {
  private readonly entries = new Map<string, Promise<unknown>>();

  constructor(private readonly capacity = 5_000) {}

  get<T>(context: RepoContext, kind: string, id: string, read: () => Promise<T>): Promise<T> {
    if (!objectId.test(id)) return read();
    const key = `${context.owner}/${context.repo}\0${kind}\0${id}`.toLowerCase();
    const hit = this.entries.get(key) as Promise<T> | undefined;
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = read();
    this.entries.set(key, value);
    value.catch(() => this.entries.delete(key));
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

const objectId = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function cached<T>(context: RepoContext, kind: string, id: string, read: () => Promise<T>): Promise<T> {
  return context.objects ? context.objects.get(context, kind, id, read) : read();
}

/** A file of a tree: its blob id and mode. */
export interface TreeBlob {
  sha: string;
  mode: string;
}

interface TreeEntry {
  path?: string;
  mode?: string;
  type?: string;
  sha?: string;
}

export async function defaultBranchOf(context: RepoContext): Promise<string> {
  const { data } = await context.octokit.repos.get({ owner: context.owner, repo: context.repo });
  return data.default_branch;
}

/** The head commit of a branch; undefined when there is no such branch. */
export async function branchHead(context: RepoContext, branch: string): Promise<string | undefined> {
  try {
    const { data } = await context.octokit.git.getRef({ owner: context.owner, repo: context.repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if (isGitHubStatus(error, 404)) return undefined;
    throw error;
  }
}

/**
 * Every blob of a tree (a commit id works too) by path. One recursive request; when GitHub
 * truncates it (very large trees) the tree is walked level by level instead.
 */
export async function readTree(context: RepoContext, treeish: string): Promise<Map<string, TreeBlob>> {
  // Copies: callers may add to the map they get.
  return new Map(await cached(context, 'tree', treeish, () => readTreeUncached(context, treeish)));
}

async function readTreeUncached(context: RepoContext, treeish: string): Promise<Map<string, TreeBlob>> {
  const { octokit, owner, repo } = context;
  const blobs = new Map<string, TreeBlob>();
  const { data } = await octokit.git.getTree({ owner, repo, tree_sha: treeish, recursive: 'true' });
  if (!data.truncated) {
    addBlobs(blobs, data.tree, '');
    return blobs;
  }
  context.logger.debug({ repository: `${owner}/${repo}`, tree: treeish }, 'GitHub truncated the recursive tree; walking it');
  const walk = async (sha: string, prefix: string): Promise<void> => {
    const { data: level } = await octokit.git.getTree({ owner, repo, tree_sha: sha });
    addBlobs(blobs, level.tree, prefix);
    for (const entry of level.tree) {
      if (entry.type === 'tree' && entry.path && entry.sha) await walk(entry.sha, `${prefix}${entry.path}/`);
    }
  };
  await walk(treeish, '');
  return blobs;
}

function addBlobs(blobs: Map<string, TreeBlob>, entries: readonly TreeEntry[], prefix: string): void {
  for (const entry of entries) {
    if (entry.type === 'blob' && entry.path && entry.sha)
      blobs.set(`${prefix}${entry.path}`, { sha: entry.sha, mode: entry.mode ?? '100644' });
  }
}

export async function readBlob(context: RepoContext, sha: string): Promise<string> {
  return cached(context, 'blob', sha, async () => {
    const { data } = await context.octokit.git.getBlob({ owner: context.owner, repo: context.repo, file_sha: sha });
    return decodeContent(data.content, data.encoding);
  });
}

/** The tree id of a commit. */
export async function treeOfCommit(context: RepoContext, commit: string): Promise<string> {
  return cached(context, 'commit-tree', commit, async () => {
    const { data } = await context.octokit.git.getCommit({ owner: context.owner, repo: context.repo, commit_sha: commit });
    return data.tree.sha;
  });
}

/** A file's content at a commit; undefined when the path is absent there (or is a directory). */
export async function readFileAtCommit(context: RepoContext, ref: string, path: string): Promise<string | undefined> {
  try {
    const { data } = await context.octokit.repos.getContent({ owner: context.owner, repo: context.repo, path, ref });
    if (Array.isArray(data) || data.type !== 'file') return undefined;
    // Files over 1 MB come without content ("encoding": "none"): read the blob instead.
    if (!('content' in data) || data.encoding === 'none' || (data.content === '' && data.size > 0)) return readBlob(context, data.sha);
    return decodeContent(data.content, data.encoding);
  } catch (error) {
    if (isGitHubStatus(error, 404)) return undefined;
    throw error;
  }
}

export function decodeContent(content: string, encoding: string | undefined): string {
  // GitHub wraps base64 at 60 columns; Buffer.from skips the newlines.
  return encoding === 'base64' ? Buffer.from(content, 'base64').toString('utf8') : content;
}
