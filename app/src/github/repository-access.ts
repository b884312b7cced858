import type { Probot } from 'probot';
import { DataKitError } from '@datakit/sdk/core';
import { hasGitHubStatus } from './github-status';
import type { AppOctokit } from './app-octokit';

export interface RepositoryAccess {
  owner: string;
  repo: string;
  installationId: number;
  octokit: AppOctokit;
  /** An installation token for GitHubSourceControl; never logged. */
  token(): Promise<string>;
}

export interface RepositoryAccessor {
  /** The installation that covers owner/repo; DK806 when the app is not installed there. */
  access(owner: string, repo: string): Promise<RepositoryAccess>;
}

/** Installation ids are looked up once per repository (for ttlMs) through the app's JWT. */
export function createRepositoryAccessor(app: Probot, options: { ttlMs?: number; now?: () => number } = {}): RepositoryAccessor {
  const ttlMs = options.ttlMs ?? 300_000;
  const now = options.now ?? Date.now;
  const installations = new Map<string, { id: Promise<number>; at: number }>();

  async function installationId(owner: string, repo: string): Promise<number> {
    const key = `${owner}/${repo}`.toLowerCase();
    const cached = installations.get(key);
    if (cached && now() - cached.at < ttlMs) return cached.id;
    const id = (async () => {
      const appOctokit = (await app.auth()) as unknown as AppOctokit;
      try {
        const { data } = await appOctokit.request('GET /repos/{owner}/{repo}/installation', { owner, repo });
        return data.id;
      } catch (error) {
        if (hasGitHubStatus(error, 404)) {
          throw new DataKitError('DK806', `the DataKit app is not installed on ${owner}/${repo}`, {
            hint: `Install the GitHub App on ${owner}/${repo} (with contents, pull requests and checks write access).`,
            cause: error,
          });
        }
        throw error;
      }
    })();
    installations.set(key, { id, at: now() });
    id.catch(() => installations.delete(key));
    return id;
  }

  return {
    async access(owner, repo) {
      const id = await installationId(owner, repo);
      const octokit = (await app.auth(id)) as unknown as AppOctokit;
      return {
        owner,
        repo,
        installationId: id,
        octokit,
        async token() {
          const auth = (await octokit.auth({ type: 'installation' })) as { token: string };
          return auth.token;
        },
      };
    },
  };
}
