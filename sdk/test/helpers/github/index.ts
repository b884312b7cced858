export * from './fake-github';
export type { FakePullRequest, FakeRepository, RepositoryRole } from './fake-github-state';
