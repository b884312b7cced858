import { asOctokitFailure } from '@datakit/sdk/github';

/**
 * Whether a failed GitHub request answered `status`: a GitHubApiError (the app's request policy)
 * or Octokit's RequestError (Probot's own Octokit under `probot run`), matched by shape.
 */
export function hasGitHubStatus(error: unknown, status: number): boolean {
  return asOctokitFailure(error)?.status === status;
}
