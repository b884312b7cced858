import type { Clock } from '@datakit/sdk/core';
import type { AppOctokit } from '../github/app-octokit';
import { checkName, type Report } from './gate-report';

export interface WrittenCheckRun {
  id: number;
  url: string;
  /** False when an existing run of this name on this commit was updated. */
  created: boolean;
}

export interface CheckRunTarget {
  octokit: AppOctokit;
  owner: string;
  repo: string;
  headSha: string;
  /** The app's id: only its own run of this name is updated. */
  appId: number;
}

/**
 * Writes the datakit/promotion check run of a commit: the app's existing run of that name on the
 * commit is updated (PATCH), so one commit carries one run however often it is evaluated;
 * otherwise one is created.
 */
export async function writeCheckRun(target: CheckRunTarget, report: Report, clock: Clock): Promise<WrittenCheckRun> {
  const { octokit, owner, repo, headSha } = target;
  const now = clock.now().toISOString();
  const output = { title: report.title, summary: report.summary };
  const existing = await findCheckRun(target);
  if (existing !== undefined) {
    const { data } = await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      owner,
      repo,
      check_run_id: existing,
      status: 'completed',
      conclusion: report.conclusion,
      completed_at: now,
      output,
    });
    return { id: Number(data.id), url: data.html_url ?? '', created: false };
  }
  const { data } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
    owner,
    repo,
    name: checkName,
    head_sha: headSha,
    status: 'completed',
    conclusion: report.conclusion,
    started_at: now,
    completed_at: now,
    output,
  });
  return { id: Number(data.id), url: data.html_url ?? '', created: true };
}

/** The id of the app's datakit/promotion run on the commit, the newest when there are several. */
async function findCheckRun(target: CheckRunTarget): Promise<number | undefined> {
  const { octokit, owner, repo, headSha, appId } = target;
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    owner,
    repo,
    ref: headSha,
    check_name: checkName,
    app_id: appId,
    filter: 'all',
    per_page: 100,
  });
  const runs = data.check_runs.filter((run) => run.name === checkName && run.head_sha === headSha);
  // Another app's run of the same name is not ours to change; a run without app details is taken as ours.
  const ours = runs.filter((run) => run.app === null || run.app === undefined || Number(run.app.id) === appId);
  const ids = ours.map((run) => Number(run.id)).sort((a, b) => b - a);
  return ids[0];
}
