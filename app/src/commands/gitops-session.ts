import { GitHubSourceControl } from '@datakit/sdk/github';
import {
  defaultPolicy,
  parsePolicy,
  policyFileName,
  type ChangeRequest,
  type ChangeResult,
  type GitopsSnapshot,
  type PendingChange,
  type Policy,
  type SourceControl,
} from '@datakit/sdk/promotion';
import type { RepositoryAccess } from '../github/repository-access';
import type { GitopsRepository } from '../settings';
import type { CommandContext } from './command-context';

/** The gitops repository as one command sees it: one snapshot of its default branch, read once. */
export interface GitopsSession {
  repository: GitopsRepository;
  access: RepositoryAccess;
  scm: SourceControl;
  /** The promotion policy of the snapshot (the default branch only: never a pull request's). */
  policy(): Promise<Policy>;
  /** Team memberships checked during this command (login → teams asked about, teams held). */
  memberships: Map<string, { checked: readonly string[]; teams: readonly string[] }>;
}

/**
 * Reads the default branch once per command: the policy used to look up the actor's teams and the
 * state the plan is made on come from the same commit.
 */
class SnapshotOnce implements SourceControl {
  readonly description: string;
  private snapshot: Promise<GitopsSnapshot> | undefined;

  constructor(private readonly inner: SourceControl) {
    this.description = inner.description;
  }

  readSnapshot(): Promise<GitopsSnapshot> {
    if (this.snapshot === undefined) {
      const snapshot = this.inner.readSnapshot();
      this.snapshot = snapshot;
      snapshot.catch(() => {
        if (this.snapshot === snapshot) this.snapshot = undefined;
      });
    }
    return this.snapshot;
  }

  proposeChange(request: ChangeRequest): Promise<ChangeResult> {
    return this.inner.proposeChange(request);
  }

  listPending(): Promise<PendingChange[]> {
    return this.inner.listPending();
  }
}

/** Opens the gitops repository through the app's installation on it (DK806 when there is none). */
export async function openGitops(ctx: CommandContext, repository: GitopsRepository): Promise<GitopsSession> {
  const access = await ctx.services.repositories.access(repository.owner, repository.repo);
  const scm = new SnapshotOnce(
    new GitHubSourceControl({
      owner: repository.owner,
      repo: repository.repo,
      token: await access.token(),
      baseUrl: ctx.services.config.githubApiUrl,
      logger: ctx.log,
      objects: ctx.services.gitObjects,
    }),
  );
  return {
    repository,
    access,
    scm,
    memberships: new Map(),
    async policy() {
      const snapshot = await scm.readSnapshot();
      const text = (await snapshot.readFiles([policyFileName])).get(policyFileName);
      return text === undefined ? defaultPolicy() : parsePolicy(text, policyFileName);
    },
  };
}
