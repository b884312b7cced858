export * from './codes';
export * from './git-blob-sha';
export * from './github-errors';
export * from './github-snapshot';
export * from './github-source-control';
export * from './pin-history';
export * from './rate-limit';
export { defaultGitHubRetryPolicy, installRequestPolicy, type GitHubRetryPolicy, type RequestPolicySettings } from './request-policy';
export { GitObjectCache } from './repo-reads';
