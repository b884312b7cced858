/**
 * The reference gitops/ folder (ARCHITECTURE.md §5, §6): every kustomization renders with the real
 * `kubectl kustomize`, the rendered PackageDeployments pin a digest, the CRD carries the schema the
 * controller relies on, the Argo CD ApplicationSet matches the directories that exist, and the promotion
 * policy parses.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const gitops = path.resolve(import.meta.dirname, '../gitops');
const DIGEST = /^sha256:[a-f0-9]{64}$/;

type Obj = Record<string, unknown>;

/** Walks a dotted path through parsed YAML; undefined when any step is missing. */
function get(value: unknown, dotted: string): unknown {
  let cur: unknown = value;
  for (const key of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[key];
  }
  return cur;
}

function readYaml(rel: string): unknown {
  return parse(readFileSync(path.join(gitops, rel), 'utf8'));
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** Expands a glob of `*` segments (as Argo CD's directory generator does) to the directories below `root`, relative, sorted. */
function globDirs(root: string, pattern: string): string[] {
  let matches = [''];
  for (const segment of pattern.split('/')) {
    const next: string[] = [];
    for (const m of matches) {
      const dir = path.join(root, m);
      if (segment === '*') {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          if (entry.isDirectory() && !entry.name.startsWith('.')) next.push(path.posix.join(m, entry.name));
        }
      } else if (isDir(path.join(dir, segment))) {
        next.push(path.posix.join(m, segment));
      }
    }
    matches = next;
  }
  return matches.sort();
}

/** Every directory below `root` holding a kustomization.yaml, relative, sorted. */
function kustomizationDirs(root: string, rel = ''): string[] {
  const dir = path.join(root, rel);
  const out: string[] = existsSync(path.join(dir, 'kustomization.yaml')) ? [rel] : [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...kustomizationDirs(root, path.posix.join(rel, entry.name)));
  }
  return out.sort();
}

/** The subset of Argo CD's goTemplate the ApplicationSet uses, evaluated for one generated directory. */
function renderTemplate(template: string, dir: string): string {
  const segments = dir.split('/');
  return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_match, expr: string) => {
    const index = /^index \.path\.segments (\d+)$/.exec(expr);
    if (index) {
      const value = segments[Number(index[1])];
      if (value === undefined) throw new Error(`segment ${index[1]} missing in ${dir}`);
      return value;
    }
    if (expr === '.path.basename') return path.posix.basename(dir);
    if (expr === '.path.path') return dir;
    throw new Error(`unsupported template expression {{ ${expr} }}`);
  });
}

function kubectlAvailable(): boolean {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  return probe.status === 0;
}

function kustomize(rel: string): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', path.join(gitops, rel)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${rel}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Obj;
  });
}

const appDirs = globDirs(gitops, 'envs/*/cells/*/apps/*');
const cellDirs = globDirs(gitops, 'envs/*/cells/*');

describe('gitops layout', () => {
  it('has dev, int and prod, each with cell c0 and the demo app', () => {
    expect(globDirs(gitops, 'envs/*')).toEqual(['envs/dev', 'envs/int', 'envs/prod']);
    for (const env of ['dev', 'int', 'prod']) {
      const dir = `envs/${env}/cells/c0/apps/demo`;
      expect(appDirs).toContain(dir);
      expect(existsSync(path.join(gitops, dir, 'kustomization.yaml')), dir).toBe(true);
      expect(existsSync(path.join(gitops, dir, 'packagedeployment.yaml')), dir).toBe(true);
    }
  });
});

const kubectl = kubectlAvailable();
const missingKubectl = 'kubectl is not on PATH: `kubectl kustomize` is needed to render the gitops kustomizations';
if (!kubectl && process.env.CI !== 'true') {
  console.warn(`[gitops.test] skipping the kustomize render tests: ${missingKubectl}`);
}

describe('kubectl', () => {
  it.runIf(process.env.CI === 'true')('is available in CI', () => {
    if (!kubectl) throw new Error(`${missingKubectl} (CI=true, so this is a failure, not a skip)`);
  });
});

describe.skipIf(!kubectl)('kubectl kustomize renders', () => {
  const all = kustomizationDirs(gitops);

  it('finds the base, every cell and every app', () => {
    expect(all).toEqual(expect.arrayContaining(['base', ...cellDirs, ...appDirs]));
    expect(appDirs.length).toBeGreaterThanOrEqual(3);
  });

  it.each(all)('%s', (rel) => {
    expect(kustomize(rel).length).toBeGreaterThan(0);
  });

  it('the base: the CRD, the controller namespace, RBAC and Deployment', () => {
    const objs = kustomize('base');
    const kinds = objs.map((o) => `${String(o.kind)}/${String(get(o, 'metadata.name'))}`).sort();
    expect(kinds).toEqual([
      'ClusterRole/datakit-controller',
      'ClusterRoleBinding/datakit-controller',
      'CustomResourceDefinition/packagedeployments.datakit.dev',
      'Deployment/datakit-controller',
      'Namespace/datakit-system',
      'ServiceAccount/datakit-controller',
    ]);
    const deployment = objs.find((o) => o.kind === 'Deployment');
    expect(get(deployment, 'metadata.namespace')).toBe('datakit-system');
    expect(get(deployment, 'spec.template.spec.serviceAccountName')).toBe('datakit-controller');
    expect(get(deployment, 'spec.template.spec.securityContext.runAsNonRoot')).toBe(true);
    const [container] = get(deployment, 'spec.template.spec.containers') as Obj[];
    expect(String(container?.image)).toMatch(/^ghcr\.io\/datakit\/controller[:@]/);
    expect(get(container, 'livenessProbe.httpGet')).toBeDefined();
    expect(get(container, 'readinessProbe.httpGet')).toBeDefined();
    expect(get(container, 'securityContext.allowPrivilegeEscalation')).toBe(false);

    const rules = get(
      objs.find((o) => o.kind === 'ClusterRole'),
      'rules',
    ) as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const can = (group: string, resource: string, verb: string) =>
      rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
    expect(can('datakit.dev', 'packagedeployments', 'watch')).toBe(true);
    expect(can('datakit.dev', 'packagedeployments/status', 'update')).toBe(true);
    expect(can('batch', 'jobs', 'create')).toBe(true);
    expect(can('batch', 'cronjobs', 'create')).toBe(true);
    expect(can('apps', 'deployments', 'update')).toBe(true);
    expect(can('', 'secrets', 'get')).toBe(true);
    expect(can('', 'secrets', 'create')).toBe(false);
    expect(can('', 'events', 'create')).toBe(true);
    expect(can('coordination.k8s.io', 'leases', 'update')).toBe(true);
    const binding = objs.find((o) => o.kind === 'ClusterRoleBinding');
    expect(get(binding, 'subjects')).toEqual([{ kind: 'ServiceAccount', name: 'datakit-controller', namespace: 'datakit-system' }]);
  });

  it.each(cellDirs)('%s: the namespace datakit-<env>-<cell>', (rel) => {
    const [, env, , cell] = rel.split('/');
    const objs = kustomize(rel);
    const ns = objs.find((o) => o.kind === 'Namespace');
    expect(get(ns, 'metadata.name')).toBe(`datakit-${env}-${cell}`);
  });

  it.each(appDirs)('%s: a PackageDeployment pinned by digest', (rel) => {
    const [, env, , cell, , app] = rel.split('/');
    const objs = kustomize(rel);
    const pds = objs.filter((o) => o.kind === 'PackageDeployment');
    expect(pds).toHaveLength(1);
    const pd = pds[0];
    expect(pd?.apiVersion).toBe('datakit.dev/v1alpha1');
    expect(get(pd, 'metadata.namespace')).toBe(`datakit-${env}-${cell}`);
    expect(get(pd, 'metadata.labels')).toMatchObject({
      'datakit.dev/package': app,
      'datakit.dev/environment': env,
      'datakit.dev/cell': cell,
    });
    expect(get(pd, 'spec.package.name')).toBe(app);
    expect(get(pd, 'spec.cell')).toBe(cell);
    const digest = String(get(pd, 'spec.package.digest'));
    expect(digest).toMatch(DIGEST);
    expect(String(get(pd, 'spec.package.ref'))).toMatch(new RegExp(`@${digest}$`));
    expect(String(get(pd, 'spec.package.version'))).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the PackageDeployment CRD', () => {
  const crd = readYaml('base/crd-packagedeployment.yaml');

  it('is datakit.dev/v1alpha1, namespaced, with the status subresource and printer columns', () => {
    expect(get(crd, 'apiVersion')).toBe('apiextensions.k8s.io/v1');
    expect(get(crd, 'kind')).toBe('CustomResourceDefinition');
    expect(get(crd, 'metadata.name')).toBe('packagedeployments.datakit.dev');
    expect(get(crd, 'spec.group')).toBe('datakit.dev');
    expect(get(crd, 'spec.scope')).toBe('Namespaced');
    expect(get(crd, 'spec.names')).toMatchObject({
      kind: 'PackageDeployment',
      plural: 'packagedeployments',
      singular: 'packagedeployment',
    });
    const versions = get(crd, 'spec.versions') as Obj[];
    expect(versions.map((v) => v.name)).toEqual(['v1alpha1']);
    expect(get(versions[0], 'served')).toBe(true);
    expect(get(versions[0], 'storage')).toBe(true);
    expect(get(versions[0], 'subresources.status')).toEqual({});
    const columns = (get(versions[0], 'additionalPrinterColumns') as Obj[]).map((c) => c.name);
    expect(columns).toEqual(expect.arrayContaining(['Package', 'Version', 'Phase', 'Ready', 'Age']));
  });

  const schema = get((get(crd, 'spec.versions') as Obj[])[0], 'schema.openAPIV3Schema');
  const spec = get(schema, 'properties.spec');
  const status = get(schema, 'properties.status');

  it('spec: package {name, version, ref, digest (required, sha256)} and the run settings', () => {
    expect(Object.keys(get(spec, 'properties') as Obj)).toEqual(
      expect.arrayContaining([
        'package',
        'cell',
        'mode',
        'schedule',
        'timeout',
        'resources',
        'serviceAccountName',
        'imagePullSecrets',
        'env',
      ]),
    );
    expect(get(spec, 'required')).toContain('package');
    const pkg = get(spec, 'properties.package');
    expect(Object.keys(get(pkg, 'properties') as Obj)).toEqual(expect.arrayContaining(['name', 'version', 'ref', 'digest']));
    expect(get(pkg, 'required')).toContain('digest');
    const pattern = new RegExp(String(get(pkg, 'properties.digest.pattern')));
    expect(pattern.source).toBe(DIGEST.source);
    expect(pattern.test(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(pattern.test(`sha256:${'A'.repeat(64)}`)).toBe(false);
    expect(pattern.test(`sha256:${'a'.repeat(63)}`)).toBe(false);
    expect(pattern.test('latest')).toBe(false);
    expect(get(spec, 'properties.mode.enum')).toEqual(['batch', 'streaming']);
    expect(Object.keys(get(spec, 'properties.schedule.properties') as Obj)).toEqual(['cron', 'timezone', 'suspend']);
  });

  it('status: phase, conditions (Ready, ArtifactVerified, Progressing, Degraded), observedGeneration, artifact, lastRun', () => {
    expect(Object.keys(get(status, 'properties') as Obj)).toEqual(
      expect.arrayContaining(['phase', 'conditions', 'observedGeneration', 'artifact', 'lastRun']),
    );
    expect(get(status, 'properties.conditions.items.properties.type.enum')).toEqual([
      'Ready',
      'ArtifactVerified',
      'Progressing',
      'Degraded',
    ]);
  });
});

describe('the Argo CD ApplicationSet', () => {
  const appset = readYaml('argocd/applicationset.yaml');
  const template = get(appset, 'spec.template');

  it('uses a git directory generator over envs/*/cells/*/apps/*', () => {
    expect(get(appset, 'apiVersion')).toBe('argoproj.io/v1alpha1');
    expect(get(appset, 'kind')).toBe('ApplicationSet');
    const generators = get(appset, 'spec.generators') as Obj[];
    const paths = generators.flatMap((g) => ((get(g, 'git.directories') as { path: string }[] | undefined) ?? []).map((d) => d.path));
    expect(paths).toEqual(['envs/*/cells/*/apps/*']);
  });

  it('its generator paths match exactly the app directories that exist, each a kustomization', () => {
    const generators = get(appset, 'spec.generators') as Obj[];
    const generated = generators
      .flatMap((g) => (get(g, 'git.directories') as { path: string; exclude?: boolean }[]).filter((d) => !d.exclude))
      .flatMap((d) => globDirs(gitops, d.path));
    expect(generated).toEqual(appDirs);
    const kustomized = kustomizationDirs(gitops).filter((d) => d.split('/').length === 6 && d.startsWith('envs/'));
    expect(generated).toEqual(kustomized);
  });

  it('names each Application <env>-<cell>-<app> and deploys it into datakit-<env>-<cell>', () => {
    const names = new Set<string>();
    for (const dir of appDirs) {
      const [, env, , cell, , app] = dir.split('/');
      const name = renderTemplate(String(get(template, 'metadata.name')), dir);
      expect(name).toBe(`${env}-${cell}-${app}`);
      names.add(name);
      expect(renderTemplate(String(get(template, 'spec.destination.namespace')), dir)).toBe(`datakit-${env}-${cell}`);
      expect(renderTemplate(String(get(template, 'spec.source.path')), dir)).toBe(dir);
      const pd = parse(readFileSync(path.join(gitops, dir, 'kustomization.yaml'), 'utf8')) as Obj;
      expect(pd.namespace).toBe(`datakit-${env}-${cell}`);
    }
    expect(names.size).toBe(appDirs.length);
  });

  it('syncs automatically with prune and selfHeal and creates the namespace', () => {
    expect(get(template, 'spec.syncPolicy.automated')).toMatchObject({ prune: true, selfHeal: true });
    expect(get(template, 'spec.syncPolicy.syncOptions')).toContain('CreateNamespace=true');
  });
});

describe('datakit-promotion.yaml', () => {
  const policy = readYaml('datakit-promotion.yaml');
  const environments = get(policy, 'environments') as Obj[];

  it('lists dev, int, prod in order', () => {
    expect(environments.map((e) => e.name)).toEqual(['dev', 'int', 'prod']);
  });

  it('declares promoters, approvals, soak, freeze windows and the cells that exist', () => {
    for (const env of environments) {
      const name = String(env.name);
      expect(get(env, 'promoters.users'), name).toBeInstanceOf(Array);
      expect(get(env, 'promoters.teams'), name).toBeInstanceOf(Array);
      expect(typeof env.approvals, name).toBe('number');
      expect(String(env.soak), name).toMatch(/^(\d+(ms|s|m|h|d))+$/);
      expect(env.cells, name).toEqual(globDirs(gitops, `envs/${name}/cells/*`).map((d) => path.posix.basename(d)));
      for (const window of env.freezeWindows as Obj[]) {
        expect(String(window.cron).split(/\s+/), `${name} ${String(window.name)}`).toHaveLength(5);
        expect(String(window.duration)).toMatch(/^(\d+(m|h|d))+$/);
        expect(() => new Intl.DateTimeFormat('en', { timeZone: String(window.timezone) })).not.toThrow();
      }
    }
    const prod = environments[2];
    expect((prod?.freezeWindows as Obj[]).length).toBeGreaterThan(0);
  });
});
