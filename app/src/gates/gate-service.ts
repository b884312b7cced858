import type { Logger } from '@datakit/sdk/core';
import type { GitopsSnapshot, RuleResult } from '@datakit/sdk/promotion';
import type { RepositoryAccess } from '../github/repository-access';

/** One promotion a gitops pull request makes: a deployment file whose pin it changes. */
export interface GateTarget {
  package: string;
  env: string;
  cell: string;
  version: string;
  digest: string;
  /** The deployment file, e.g. envs/prod/cells/c0/apps/orders/packagedeployment.yaml. */
  path: string;
  /** Policy rules plus `artifact` (exists with the pinned digest) and `lint` (manifests lint clean). */
  results: GateResult[];
  passed: boolean;
  /** How the pin was evaluated: a rollback skips order and soak (only to a digest the env/cell pinned before). */
  kind?: 'promote' | 'rollback' | 'remove';
  /** host/repository@digest as pinned. */
  ref?: string;
  /** Who the promotion is attributed to (the requester of an app-opened PR, else the PR author). */
  actor?: string;
  /** Approvals that counted toward the approvals rule (latest review per user, on the current head). */
  approvers?: string[];
  /** Remarks shown with the target (why a claimed rollback was evaluated as a promotion, …). */
  notes?: string[];
}

export interface GateResult {
  rule: RuleResult['rule'] | 'artifact' | 'lint' | 'file';
  passed: boolean;
  message: string;
}

export interface GateOutcome {
  /** The commit the check run is attached to (the PR head, or the merge group head). */
  headSha: string;
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  /** Markdown listing every result of every target. */
  summary: string;
  targets: GateTarget[];
  checkRunId: number;
  checkRunUrl: string;
  /** Where the policy was read: always the gitops repository's default branch. */
  policySource?: { branch: string; commit: string; file: string | undefined };
}

export interface EvaluateOptions {
  /** The gitops default branch as the caller just read it (policy and live pins); read afresh when absent. */
  snapshot?: GitopsSnapshot;
  /**
   * Team memberships the caller just checked (login → the teams checked and those held), reused
   * instead of asking GitHub again within the same delivery.
   */
  memberships?: ReadonlyMap<string, { checked: readonly string[]; teams: readonly string[] }>;
}

/** Evaluates the datakit/promotion check of a gitops pull request and writes it as a check run. */
export interface GateService {
  /** Undefined when the pull request changes no deployment pin and no policy (not a promotion: no check run). */
  evaluatePullRequest(
    gitops: RepositoryAccess,
    pullNumber: number,
    log: Logger,
    options?: EvaluateOptions,
  ): Promise<GateOutcome | undefined>;
}

/** A merge queue group: its head commit, the commit it is built on and its ref (gh-readonly-queue/<base>/pr-<n>-<sha>). */
export interface MergeGroupRef {
  headSha: string;
  baseSha: string;
  headRef: string;
}

/** What a merged gitops pull request led to. */
export interface MergeRecord {
  /** The deployment on the source repository (created now or found from an earlier delivery). */
  deployment?: { repository: string; id: number; created: boolean };
  /** The comment on the source pull request (created now or found). */
  comment?: { id: number; created: boolean };
  /** Why nothing was recorded on a source repository, when nothing was. */
  skipped?: string;
  /** Other open pull requests evaluated again (their numbers). */
  reevaluated: number[];
}

/** The full gate, as the webhook handlers use it; GateService is what other commands need. */
export interface PromotionGateService extends GateService {
  /** merge_group.checks_requested: the group's changes, approvals of its pull request, the check run on the group's head. */
  evaluateMergeGroup(gitops: RepositoryAccess, group: MergeGroupRef, log: Logger): Promise<GateOutcome | undefined>;
  /** A failed datakit/promotion check run on `headSha` saying the evaluation could not complete (and why). */
  reportFailure(gitops: RepositoryAccess, headSha: string, error: unknown, log: Logger): Promise<void>;
  /**
   * A merged pull request: for an app-opened promotion, a deployment (and its status) on the source
   * repository and a comment on the source pull request, once; then the other open pull requests of
   * the gitops repository are evaluated again (bounded, one after another).
   */
  recordMerge(gitops: RepositoryAccess, pullNumber: number, log: Logger): Promise<MergeRecord>;
}
