export * from './fake-github';
export * from './webhook-payloads';
export type {
  FakeApp,
  FakeCheckRun,
  FakeComment,
  FakeInstallation,
  FakeIssue,
  FakePullRequest,
  FakeRepository,
  FakeReview,
  RepositoryRole,
  ReviewState,
} from './fake-github-state';
export * from './export-to-git';
