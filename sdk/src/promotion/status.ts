import { findEnvironment } from './policy';
import { readGitopsState, type GitopsState } from './gitops-state';
import type { PendingChange, SourceControl } from './source-control';

export interface StatusEntry {
  package: string;
  env: string;
  cell: string;
  version: string;
  digest: string;
  ref: string;
  since: string;
  /** Why `since` is not known (history does not show it, or a fast-forward merge). */
  sinceUnknown?: string;
  /** Why this pin is out of line with the policy: e.g. not live in the previous environment. */
  drift: string[];
  /** Unmerged promotion or rollback of this env/cell/package. */
  pending: PendingChange[];
}

export interface PackageStatus {
  package: string;
  entries: StatusEntry[];
  /** Pending changes for env/cells the package is not deployed to yet. */
  incoming: PendingChange[];
}

export interface StatusReport {
  branch: string;
  commit: string;
  environments: string[];
  packages: PackageStatus[];
}

/**
 * Drift: a pin the policy would not have allowed as it stands, i.e. a digest not live in the
 * previous environment (a manual edit, or the previous environment moved on or rolled back).
 */
function driftOf(state: GitopsState, entry: { package: string; env: string; cell: string; digest: string }): string[] {
  const env = findEnvironment(state.policy, entry.env);
  if (env === undefined) return [`${entry.env} is not an environment of the policy`];
  const drift: string[] = [];
  if (env.cells.length > 0 && !env.cells.includes(entry.cell)) drift.push(`cell ${entry.cell} is not a cell of ${entry.env} in the policy`);
  if (env.previous !== undefined && env.requirePrevious) {
    const live = state.deployments.some(
      (d) =>
        d.package === entry.package &&
        d.env === env.previous &&
        d.digest === entry.digest &&
        (!env.requireSameCell || d.cell === entry.cell),
    );
    if (!live) drift.push(`not live in ${env.previous}`);
  }
  return drift;
}

/** Package × env/cell: version, digest, since when; drift and pending promotions. */
export async function readStatus(scm: SourceControl, packageName?: string): Promise<StatusReport> {
  const snapshot = await scm.readSnapshot();
  const [state, pending] = await Promise.all([
    readGitopsState(snapshot, packageName === undefined ? {} : { packages: [packageName] }),
    scm.listPending(),
  ]);
  const order = new Map(state.policy.environments.map((e, i) => [e.name, i]));
  const byPackage = new Map<string, PackageStatus>();
  const names = packageName === undefined ? state.packages : [packageName];
  for (const name of names) byPackage.set(name, { package: name, entries: [], incoming: [] });
  for (const d of state.deployments) {
    byPackage.get(d.package)?.entries.push({
      package: d.package,
      env: d.env,
      cell: d.cell,
      version: d.version,
      digest: d.digest,
      ref: d.ref,
      since: d.since.toISOString(),
      ...(d.sinceUnknown === undefined ? {} : { sinceUnknown: d.sinceUnknown }),
      drift: driftOf(state, d),
      pending: [],
    });
  }
  for (const change of pending) {
    const status = byPackage.get(change.package);
    if (status === undefined) {
      if (packageName === undefined) byPackage.set(change.package, { package: change.package, entries: [], incoming: [change] });
      continue;
    }
    const entry = status.entries.find((e) => e.env === change.env && e.cell === change.cell);
    if (entry) entry.pending.push(change);
    else status.incoming.push(change);
  }
  const rank = (env: string) => order.get(env) ?? Number.MAX_SAFE_INTEGER;
  const packages = [...byPackage.values()].sort((a, b) => a.package.localeCompare(b.package));
  for (const p of packages)
    p.entries.sort((a, b) => rank(a.env) - rank(b.env) || a.env.localeCompare(b.env) || a.cell.localeCompare(b.cell));
  return { branch: state.branch, commit: state.commit, environments: state.policy.environments.map((e) => e.name), packages };
}
