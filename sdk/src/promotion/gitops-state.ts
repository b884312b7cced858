import { GitopsFileError, parseDeployment } from './deployment-file';
import type { LiveDeployment } from './evaluate';
import { defaultPolicy, parsePolicy, policyFileName, type Policy } from './policy';
import type { GitopsSnapshot, PinHistoryEntry } from './source-control';

/** One package deployed to one env/cell on the default branch. */
export interface Deployment extends LiveDeployment {
  ref: string;
  /** envs/<env>/cells/<cell>/apps/<package>/packagedeployment.yaml */
  path: string;
  /** The file as committed (edited in place by promotion). */
  text: string;
  /** Its pins on the default branch, newest first. */
  history: PinHistoryEntry[];
  /** The commit that brought the current digest, when history shows it. */
  commit: string | undefined;
}

export interface GitopsState {
  branch: string;
  commit: string;
  policy: Policy;
  deployments: Deployment[];
  /** Cell directories present per environment (envs/<env>/cells/<cell>/…). */
  cells: Map<string, string[]>;
  /** Every package with an app directory somewhere (sorted). */
  packages: string[];
}

export function appDirectory(env: string, cell: string, packageName: string): string {
  return `envs/${env}/cells/${cell}/apps/${packageName}`;
}

export function deploymentPath(env: string, cell: string, packageName: string): string {
  return `${appDirectory(env, cell, packageName)}/packagedeployment.yaml`;
}

const appFilePattern = /^envs\/([^/]+)\/cells\/([^/]+)\/apps\/([^/]+)\/(.+)$/;
const cellFilePattern = /^envs\/([^/]+)\/cells\/([^/]+)\//;

export interface ReadStateOptions {
  /** Read only these packages' deployments (promotion); all when absent (status). */
  packages?: readonly string[];
}

/**
 * The deployment state of the default branch: the policy, and for every env/cell/package its pins
 * and since when the current digest is there (from the first-parent history of the branch).
 */
export async function readGitopsState(snapshot: GitopsSnapshot, options: ReadStateOptions = {}): Promise<GitopsState> {
  const files = await snapshot.listFiles();
  const wanted = options.packages === undefined ? undefined : new Set(options.packages);
  const cells = new Map<string, Set<string>>();
  const packages = new Set<string>();
  const targets: { env: string; cell: string; pkg: string; path: string }[] = [];
  const appsWithFiles = new Map<string, { env: string; cell: string; pkg: string; hasDeployment: boolean }>();
  for (const file of files) {
    const cellMatch = cellFilePattern.exec(file);
    if (cellMatch) {
      const set = cells.get(cellMatch[1]!) ?? new Set<string>();
      set.add(cellMatch[2]!);
      cells.set(cellMatch[1]!, set);
    }
    const match = appFilePattern.exec(file);
    if (!match) continue;
    const [, env, cell, pkg, rest] = match as unknown as [string, string, string, string, string];
    packages.add(pkg);
    if (wanted !== undefined && !wanted.has(pkg)) continue;
    const key = appDirectory(env, cell, pkg);
    const app = appsWithFiles.get(key) ?? { env, cell, pkg, hasDeployment: false };
    if (rest === 'packagedeployment.yaml') {
      app.hasDeployment = true;
      targets.push({ env, cell, pkg, path: file });
    }
    appsWithFiles.set(key, app);
  }
  for (const [dir, app] of appsWithFiles) {
    if (!app.hasDeployment) throw new GitopsFileError(`${dir}/`, 'an app directory without packagedeployment.yaml');
  }
  const hasPolicy = files.includes(policyFileName);
  const [texts, histories] = await Promise.all([
    snapshot.readFiles([...(hasPolicy ? [policyFileName] : []), ...targets.map((t) => t.path)]),
    snapshot.history(targets.map((t) => t.path)),
  ]);
  const policyText = texts.get(policyFileName);
  const policy = policyText === undefined ? defaultPolicy() : parsePolicy(policyText, policyFileName);
  const deployments: Deployment[] = [];
  for (const target of targets) {
    const text = texts.get(target.path) ?? '';
    const parsed = parseDeployment(text, target.path);
    const history = histories.get(target.path) ?? [];
    const entered = history.find((h) => h.digest === parsed.digest);
    // Fail closed: a pin whose entry history does not show has no soak time to its credit.
    const sinceUnknown =
      entered === undefined
        ? `the history of ${snapshot.branch} does not show when ${parsed.digest.slice(0, 19)} entered ${target.path}`
        : entered.untrustedTime;
    deployments.push({
      package: target.pkg,
      env: target.env,
      cell: target.cell,
      version: parsed.version,
      digest: parsed.digest,
      ref: parsed.ref,
      path: target.path,
      text,
      history,
      since: entered?.time ?? new Date(0),
      ...(sinceUnknown === undefined ? {} : { sinceUnknown }),
      commit: entered?.commit,
    });
  }
  return {
    branch: snapshot.branch,
    commit: snapshot.commit,
    policy,
    deployments,
    cells: new Map([...cells].map(([env, set]) => [env, [...set].sort()])),
    packages: [...packages].sort(),
  };
}
