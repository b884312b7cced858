import { policyFileName } from '@datakit/sdk/promotion';
import type { AppOctokit } from '../github/app-octokit';

/** A file a pull request (or merge group) changes, as GitHub's files and compare APIs list it. */
export interface ChangedFile {
  filename: string;
  status: string;
  previous_filename?: string;
}

/** A packagedeployment.yaml the change touches. */
export interface DeploymentChange {
  path: string;
  env: string;
  cell: string;
  package: string;
  /** removed: the file is gone at the head (deleted, or renamed away). */
  change: 'added' | 'modified' | 'removed';
}

export interface GitopsChanges {
  deployments: DeploymentChange[];
  /** datakit-promotion.yaml (at the repository root) is added, modified or removed. */
  policyChanged: boolean;
  policyRemoved: boolean;
}

const deploymentPattern = /^envs\/([^/]+)\/cells\/([^/]+)\/apps\/([^/]+)\/packagedeployment\.yaml$/;

/** The deployment files and the policy file among changed files; other files do not matter to the gate. */
export function classifyChanges(files: readonly ChangedFile[]): GitopsChanges {
  const deployments = new Map<string, DeploymentChange>();
  let policyChanged = false;
  let policyRemoved = false;
  const add = (path: string, change: DeploymentChange['change']) => {
    const match = deploymentPattern.exec(path);
    if (!match) return;
    const existing = deployments.get(path);
    // A path both removed (renamed away) and added keeps the added side.
    if (existing && existing.change !== 'removed') return;
    deployments.set(path, { path, env: match[1]!, cell: match[2]!, package: match[3]!, change });
  };
  for (const file of files) {
    const removed = file.status === 'removed';
    if (file.filename === policyFileName || file.previous_filename === policyFileName) {
      policyChanged = true;
      policyRemoved = removed || (file.status === 'renamed' && file.filename !== policyFileName);
    }
    if (file.status === 'renamed' && file.previous_filename !== undefined) add(file.previous_filename, 'removed');
    const added = file.status === 'added' || file.status === 'renamed' || file.status === 'copied';
    add(file.filename, removed ? 'removed' : added ? 'added' : 'modified');
  }
  return {
    deployments: [...deployments.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    policyChanged,
    policyRemoved,
  };
}

/** GitHub lists at most this many files of a pull request (and 300 of a comparison). */
export const maxListedFiles = 3000;
const maxComparedFiles = 300;

/** The files a pull request changes (GET /repos/{owner}/{repo}/pulls/{pull_number}/files, every page). */
export async function pullRequestFiles(octokit: AppOctokit, owner: string, repo: string, pullNumber: number): Promise<ChangedFile[]> {
  const files = await octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
    owner,
    repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  return files.map(toChangedFile);
}

/**
 * The files changed between two commits (GET /repos/{owner}/{repo}/compare/{base}...{head}): what a
 * merge group adds on top of its base. Undefined when GitHub's list is cut at its limit and the
 * change cannot be known completely.
 */
export async function comparedFiles(
  octokit: AppOctokit,
  owner: string,
  repo: string,
  base: string,
  head: string,
): Promise<ChangedFile[] | undefined> {
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
    owner,
    repo,
    basehead: `${base}...${head}`,
  });
  const files = (data.files ?? []).map(toChangedFile);
  return files.length >= maxComparedFiles ? undefined : files;
}

function toChangedFile(file: { filename: string; status: string; previous_filename?: string | undefined }): ChangedFile {
  return {
    filename: file.filename,
    status: file.status,
    ...(file.previous_filename === undefined ? {} : { previous_filename: file.previous_filename }),
  };
}
