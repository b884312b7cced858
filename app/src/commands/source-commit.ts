import { DataKitError } from '@datakit/sdk/core';
import { canWrite, repositoryRole } from '../authorize';
import type { CommandContext } from './command-context';

/** The commit of the package repository a command is bound to, fixed when the command is handled. */
export interface SourceCommit {
  /** Commits to look for, in order of preference: a merged PR's merge commit, then its head. */
  candidates: { commit: string; what: string }[];
  /** The pull request commented on; undefined on a plain issue. */
  pullRequest: number | undefined;
}

/**
 * Commands that change deployments need write access to the package repository, from the
 * collaborator permission API (never author_association, which only says how someone relates to
 * the repository).
 */
export async function requireWriter(ctx: CommandContext, what: string): Promise<void> {
  const { owner, repo, fullName } = ctx.repository;
  const role = await repositoryRole(ctx.octokit, owner, repo, ctx.actor);
  ctx.log.debug({ role }, 'repository role');
  if (canWrite(role)) return;
  throw new DataKitError('DK802', `@${ctx.actor} needs write access to ${fullName} to ${what} (has ${role})`, {
    hint: `Ask a maintainer of ${fullName} for write access, or ask someone with it to comment.`,
  });
}

/**
 * The commit a command acts on, read fresh from GitHub now: the head of the pull request (for a
 * merged one its merge commit first), or on a plain issue the head of the default branch. Pull
 * requests from forks are refused: their code is not the repository's to promote.
 */
export async function bindSourceCommit(ctx: CommandContext): Promise<SourceCommit> {
  const { owner, repo, fullName, defaultBranch } = ctx.repository;
  if (!ctx.issue.pullRequest) {
    const { data } = await ctx.octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { owner, repo, ref: `heads/${defaultBranch}` });
    return { candidates: [{ commit: data.object.sha, what: `the head of ${defaultBranch}` }], pullRequest: undefined };
  }
  const number = ctx.issue.number;
  const { data: pull } = await ctx.octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: number });
  const headRepository = pull.head.repo?.full_name;
  if (headRepository === undefined || headRepository.toLowerCase() !== pull.base.repo.full_name.toLowerCase()) {
    throw new DataKitError(
      'DK802',
      `#${number} comes from a fork (${headRepository ?? 'a deleted repository'}): DataKit promotes only commits of ${fullName}`,
      { hint: `Push the branch to ${fullName} itself (or merge the pull request) and comment there.` },
    );
  }
  const candidates: SourceCommit['candidates'] = [];
  if (pull.merged && pull.merge_commit_sha) candidates.push({ commit: pull.merge_commit_sha, what: `the merge commit of #${number}` });
  candidates.push({ commit: pull.head.sha, what: `the head of #${number}` });
  ctx.log.debug({ pullRequest: number, head: pull.head.sha, merged: pull.merged === true }, 'bound to the pull request');
  return { candidates, pullRequest: number };
}
