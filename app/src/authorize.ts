import { hasGitHubStatus } from './github/github-status';
import type { EnvironmentPolicy } from '@datakit/sdk/promotion';
import type { AppOctokit } from './github/app-octokit';

export type RepositoryRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

const writers: ReadonlySet<RepositoryRole> = new Set(['admin', 'maintain', 'write']);

/**
 * The user's role on the repository from the collaborator-permission API (never author_association,
 * which says how someone is related to the repository, not what they may do). `role_name` is the
 * fine-grained role; `permission` the legacy admin/write/read/none.
 */
export async function repositoryRole(octokit: AppOctokit, owner: string, repo: string, login: string): Promise<RepositoryRole> {
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
      owner,
      repo,
      username: login,
    });
    const role = (data.role_name ?? data.permission) as string;
    if (role === 'admin' || role === 'maintain' || role === 'write' || role === 'triage' || role === 'read') return role;
    return data.permission === 'write' || data.permission === 'admin' ? data.permission : 'none';
  } catch (error) {
    // 404: not a collaborator (or the user does not exist).
    if (hasGitHubStatus(error, 404)) return 'none';
    throw error;
  }
}

export function canWrite(role: RepositoryRole): boolean {
  return writers.has(role);
}

/**
 * The teams (org/slug, as the policy names them) the user is an active member of, out of those
 * given. Checked one by one through the membership API: a pending invitation is not membership.
 */
export async function activeTeams(octokit: AppOctokit, login: string, teams: readonly string[]): Promise<string[]> {
  const checks = [...new Set(teams)].map(async (team) => {
    const [org, slug] = team.split('/');
    if (!org || !slug) return undefined;
    try {
      const { data } = await octokit.request('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', {
        org,
        team_slug: slug,
        username: login,
      });
      return data.state === 'active' ? team : undefined;
    } catch (error) {
      if (hasGitHubStatus(error, 404)) return undefined;
      throw error;
    }
  });
  return (await Promise.all(checks)).filter((t): t is string => t !== undefined);
}

/** The teams a policy environment names for promoters (and therefore approvers). */
export function policyTeams(env: EnvironmentPolicy | undefined): readonly string[] {
  return env?.promoters.teams ?? [];
}

/** Bots (and the app itself) never promote: GitHub marks them with type Bot or a [bot] login suffix. */
export function isBot(user: { login: string; type?: string | null }): boolean {
  return user.type === 'Bot' || /\[bot\]$/i.test(user.login);
}
