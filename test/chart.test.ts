/**
 * How the DataKit GitHub App ships: the Helm chart (charts/datakit-app), the image (app/Dockerfile)
 * and the GitHub App manifest (app/app.yml).
 *
 * Without helm the chart is still checked for real: values.yaml and the ci/ values files pass
 * values.schema.json (ajv, strict), values that must never pass are rejected, every `.Values` path
 * the templates use exists, every environment variable the app reads is wired (the secret ones only
 * through secretKeyRef), and the probes hit /healthz and /readyz. With helm on PATH, `helm lint` and
 * `helm template` run too; without it that part is reported as skipped, with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const root = path.resolve(import.meta.dirname, '..');
const chartDir = path.join(root, 'charts/datakit-app');
const templatesDir = path.join(chartDir, 'templates');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

/** Every variable the app reads (app/src/config.ts); names found in that file are added below. */
const APP_ENV = [
  'APP_ID',
  'PRIVATE_KEY',
  'PRIVATE_KEY_PATH',
  'WEBHOOK_SECRET',
  'WEBHOOK_SECRETS',
  'GHE_HOST',
  'GHE_PROTOCOL',
  'LOG_LEVEL',
  'HOST',
  'PORT',
  'WEBHOOK_PATH',
  'DATAKIT_GITOPS_REPOSITORY',
  'DATAKIT_REGISTRY',
  'DATAKIT_REGISTRY_USERNAME',
  'DATAKIT_REGISTRY_PASSWORD',
  'DATAKIT_REGISTRY_PLAIN_HTTP',
  'DATAKIT_RENDER_DIFF',
  'KUBECTL',
  'DATAKIT_DELIVERY_CACHE_SIZE',
];
/** Variables whose values are secrets: from the Secret only, never a literal. */
const SECRET_ENV = ['PRIVATE_KEY', 'WEBHOOK_SECRET', 'WEBHOOK_SECRETS', 'DATAKIT_REGISTRY_PASSWORD'];

function appEnv(): string[] {
  const names = new Set(APP_ENV);
  const config = path.join(root, 'app/src/config.ts');
  if (existsSync(config)) {
    for (const m of readFileSync(config, 'utf8').matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) {
      names.add((m[1] ?? m[2])!);
    }
  }
  return [...names].sort();
}

// ---- ajv 8, as @datakit/sdk depends on it (the root node_modules/ajv is eslint's ajv 6) ---------------

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Obj;
}
interface Validate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
type AjvClass = new (options: Obj) => { compile(schema: unknown): Validate };

const sdkRequire = createRequire(path.join(root, 'sdk/package.json'));
const ajvModule = sdkRequire('ajv') as AjvClass & { default?: AjvClass };
const Ajv = ajvModule.default ?? ajvModule;

const schema = JSON.parse(readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8')) as Obj;
// strict: unknown keywords, missing types and union types are schema errors. strictRequired is off: it
// also flags `required` inside not/if/anyOf, which is how "one of these keys" and "never value" are said.
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema);
const defaults = parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) as Obj;

/** Helm's merge of user values over the chart's: maps merge, anything else replaces, null deletes. */
function merge(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else if (isObj(value) && isObj(out[key])) out[key] = merge(out[key], value);
    else out[key] = value;
  }
  return out;
}

function errorsOf(values: Obj): string[] {
  return validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.keyword}: ${e.message ?? ''}`);
}

function get(value: unknown, dotted: string): unknown {
  let cur: unknown = value;
  for (const key of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Obj)[key];
  }
  return cur;
}

// ---- templates as text -----------------------------------------------------------------------------------

const templateFiles = readdirSync(templatesDir).sort();
const templates = new Map(templateFiles.map((f) => [f, readFileSync(path.join(templatesDir, f), 'utf8')]));
const deployment = templates.get('deployment.yaml') ?? '';

/** Every `.Values.a.b` (or `$.Values.a.b`) the templates use, with the files using it. */
function valuesReferences(): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  for (const [file, text] of templates) {
    for (const m of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
      const ref = m[1]!.slice(1);
      refs.set(ref, [...new Set([...(refs.get(ref) ?? []), file])]);
    }
  }
  return refs;
}

/** The paths of values.yaml down to its leaves (scalars, lists, empty maps). */
function leafPaths(value: Obj, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, v]) =>
    isObj(v) && Object.keys(v).length > 0 ? leafPaths(v, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/** The lines of the env entry `- name: <name>` in deployment.yaml (the entry and its deeper-indented lines). */
function envEntries(name: string): string[][] {
  const lines = deployment.split('\n');
  const entries: string[][] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)- name: (\S+)\s*$/.exec(line);
    if (!m || m[2] !== name) return;
    const indent = m[1]!.length;
    const entry = [line];
    for (const next of lines.slice(i + 1)) {
      if (next.trim() === '' || next.search(/\S/) <= indent) break;
      entry.push(next);
    }
    entries.push(entry);
  });
  return entries;
}

// ---- Dockerfile --------------------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}
/** Instructions with continuation lines joined and comments dropped, split into stages at FROM (ARGs before the first FROM left out). */
function dockerStages(text: string): Instruction[][] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const stages: Instruction[][] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    if (op === 'FROM') stages.push([]);
    stages.at(-1)?.push({ op, args: m[2]!.trim().replace(/\s+/g, ' ') });
  }
  return stages;
}

// ---- helm, when installed -----------------------------------------------------------------------------------

function helmVersion(): string | undefined {
  const probe = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}
const helm = helmVersion();
const HELM_SKIP =
  'helm is not installed (not on PATH, and Debian bookworm has no helm package), so `helm lint` and `helm template` do not run; the schema, values and template checks above still do';
if (!helm) console.warn(`test/chart.test.ts: ${HELM_SKIP}`);

function runHelm(args: string[]) {
  const r = spawnSync('helm', args, { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function render(...valueFiles: string[]): Obj[] {
  const r = runHelm([
    'template',
    'datakit',
    chartDir,
    '--namespace',
    'datakit',
    ...valueFiles.flatMap((f) => ['-f', path.join(chartDir, f)]),
  ]);
  expect(r.status, r.stderr).toBe(0);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as unknown)
    .filter(isObj);
}

function containerOf(docs: Obj[]): Obj {
  const dep = docs.find((d) => d.kind === 'Deployment');
  expect(dep, 'a Deployment').toBeDefined();
  const containers = get(dep, 'spec.template.spec.containers') as Obj[];
  expect(containers).toHaveLength(1);
  return containers[0]!;
}

const envByName = (container: Obj) => new Map((container.env as Obj[]).map((e) => [e.name as string, e]));

// ---- the tests --------------------------------------------------------------------------------------------------

describe('charts/datakit-app: Chart.yaml and values.schema.json', () => {
  it('Chart.yaml is apiVersion v2 with the app version of app/package.json', () => {
    const chart = parse(read('charts/datakit-app/Chart.yaml')) as Obj;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'datakit-app', type: 'application', appVersion: '0.1.0' });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    const appPackage = JSON.parse(read('app/package.json')) as Obj;
    expect(chart.appVersion).toBe(appPackage.version);
  });

  it('the schema is draft-07 and closed: additionalProperties false on every object it defines, except Kubernetes types', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    // Objects passed through to Kubernetes as they are (toYaml); their fields are Kubernetes' to define.
    const kubernetesTypes = new Set([
      '/properties/podSecurityContext',
      '/properties/securityContext',
      '/properties/securityContext/properties/capabilities',
    ]);
    const open: string[] = [];
    const walk = (node: unknown, pointer: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${pointer}/${i}`));
      if (!isObj(node)) return;
      if (node.type === 'object' && isObj(node.properties) && node.additionalProperties !== false && !kubernetesTypes.has(pointer)) {
        open.push(pointer);
      }
      for (const [key, child] of Object.entries(node)) walk(child, `${pointer}/${key}`);
    };
    walk(schema, '');
    expect(open).toEqual([]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['replicaCount', 'image', 'github', 'secrets', 'server', 'datakit']));
  });

  it('values.yaml validates', () => {
    expect(errorsOf(defaults)).toEqual([]);
  });

  it.each(readdirSync(path.join(chartDir, 'ci')).filter((f) => f.endsWith('.yaml')))('ci/%s over values.yaml validates', (file) => {
    const over = parse(readFileSync(path.join(chartDir, 'ci', file), 'utf8')) as Obj;
    expect(errorsOf(merge(defaults, over))).toEqual([]);
  });

  const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n';
  const bad: [string, Obj, string][] = [
    ['a plaintext private key under secrets', { secrets: { privateKey: PEM } }, '/secrets additionalProperties'],
    ['a plaintext private key under github', { github: { privateKey: PEM } }, '/github additionalProperties'],
    ['a plaintext webhook secret at the top level', { webhookSecret: 'hunter2' }, '/ additionalProperties'],
    ['a registry password as a value', { datakit: { registry: { password: 'hunter2' } } }, '/datakit/registry additionalProperties'],
    ['a secret variable as a literal in extraEnv', { extraEnv: [{ name: 'WEBHOOK_SECRET', value: 'hunter2' }] }, '/extraEnv/0'],
    [
      'a gitops repository URL instead of owner/name',
      { datakit: { gitopsRepository: 'https://github.com/acme/gitops' } },
      '/datakit/gitopsRepository pattern',
    ],
    ['a gitops repository without owner', { datakit: { gitopsRepository: 'gitops' } }, '/datakit/gitopsRepository pattern'],
    ['a registry without oci://', { datakit: { registry: { url: 'ghcr.io/acme' } } }, '/datakit/registry/url pattern'],
    ['replicaCount as a string', { replicaCount: '2' }, '/replicaCount type'],
    ['a non-numeric App ID', { github: { appId: 'app-123' } }, '/github/appId'],
    [
      'a GitHub Enterprise host with a scheme',
      { github: { enterprise: { host: 'https://ghe.example.com' } } },
      '/github/enterprise/host pattern',
    ],
    ['an unknown log level', { server: { logLevel: 'verbose' } }, '/server/logLevel enum'],
    ['a webhook path without a leading slash', { server: { webhookPath: 'api/github/webhooks' } }, '/server/webhookPath pattern'],
    ['a port out of range', { server: { port: 70000 } }, '/server/port maximum'],
    ['no webhook secret key at all', { secrets: { webhookSecretKey: '', webhookSecretsKey: '' } }, '/secrets anyOf'],
    ['an image tag as digest', { image: { digest: 'latest' } }, '/image/digest pattern'],
    ['running as root', { securityContext: { runAsNonRoot: false } }, '/securityContext/runAsNonRoot const'],
    ['privilege escalation', { securityContext: { allowPrivilegeEscalation: true } }, '/securityContext/allowPrivilegeEscalation const'],
    [
      'capabilities not dropped',
      { securityContext: { capabilities: { drop: ['NET_RAW'] } } },
      '/securityContext/capabilities/drop contains',
    ],
    ['an ingress without hosts', { ingress: { enabled: true } }, '/ingress/hosts minItems'],
    ['a delivery cache of 0', { datakit: { deliveryCacheSize: 0 } }, '/datakit/deliveryCacheSize minimum'],
    ['a probe with an unknown field', { livenessProbe: { path: '/other' } }, '/livenessProbe additionalProperties'],
  ];
  it.each(bad)('rejects %s', (_what, over, expected) => {
    const errors = errorsOf(merge(defaults, over));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toContain(expected);
  });

  it('values.yaml holds no secret values: the secrets section only names a Secret and its keys', () => {
    const text = readFileSync(path.join(chartDir, 'values.yaml'), 'utf8');
    expect(text).not.toMatch(/-----BEGIN|PRIVATE KEY-----/);
    const secrets = defaults.secrets as Obj;
    for (const [key, value] of Object.entries(secrets)) {
      expect(key, `secrets.${key}`).toMatch(/^(existingSecret|\w+Key|privateKeyAsFile|privateKeyMountPath)$/);
      if (key.endsWith('Key')) expect(value as string).toMatch(/^[-._a-zA-Z0-9]*$/);
    }
    for (const leaf of leafPaths(defaults)) {
      const key = leaf.split('.').at(-1)!;
      expect(key, `${leaf} looks like a secret value`).not.toMatch(/^(password|token|privateKey|webhookSecrets?|clientSecret|secret)$/i);
    }
  });

  it('replicaCount defaults to 1, and values.yaml says why', () => {
    expect(defaults.replicaCount).toBe(1);
    const text = readFileSync(path.join(chartDir, 'values.yaml'), 'utf8');
    expect(text).toMatch(/per process/);
  });

  it('the default security context: non-root, read-only root filesystem, every capability dropped', () => {
    expect(defaults.podSecurityContext).toMatchObject({ runAsNonRoot: true });
    expect(defaults.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(get(defaults, 'resources.requests.memory')).toBeTruthy();
    expect(get(defaults, 'resources.limits.memory')).toBeTruthy();
  });
});

describe('charts/datakit-app: templates', () => {
  it('has the expected templates', () => {
    expect(templateFiles).toEqual(
      expect.arrayContaining(['_helpers.tpl', 'NOTES.txt', 'deployment.yaml', 'ingress.yaml', 'service.yaml', 'serviceaccount.yaml']),
    );
  });

  it('every .Values path the templates use exists in values.yaml', () => {
    const refs = valuesReferences();
    expect(refs.size).toBeGreaterThan(30);
    const missing = [...refs].filter(([ref]) => get(defaults, ref) === undefined).map(([ref, files]) => `${ref} (${files.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it('every value in values.yaml is used by a template', () => {
    const refs = [...valuesReferences().keys()];
    const unused = leafPaths(defaults).filter((leaf) => !refs.some((ref) => leaf === ref || leaf.startsWith(`${ref}.`)));
    expect(unused).toEqual([]);
  });

  it('template actions are balanced: every if/with/range/define has its end', () => {
    for (const [file, text] of templates) {
      const actions = [...text.matchAll(/\{\{-?\s*(\/\*[\s\S]*?\*\/|[a-z]+)/g)].map((m) => m[1]!);
      let depth = 0;
      for (const action of actions) {
        if (['if', 'with', 'range', 'define', 'block'].includes(action)) depth += 1;
        if (action === 'end') depth -= 1;
        expect(depth, `${file}: an end without its block`).toBeGreaterThanOrEqual(0);
      }
      expect(depth, `${file}: a block without its end`).toBe(0);
    }
  });

  it.each(appEnv())('deployment.yaml wires %s', (name) => {
    const entries = envEntries(name);
    expect(entries.length, `- name: ${name} in deployment.yaml`).toBeGreaterThanOrEqual(1);
    for (const entry of entries) {
      const body = entry.join('\n');
      if (SECRET_ENV.includes(name)) {
        expect(body).toMatch(
          /valueFrom:\s*\n\s*secretKeyRef:\s*\n\s*name: \{\{ include "datakit-app\.secretName" \. \}\}\s*\n\s*key: \{\{ \.Values\.secrets\.\w+Key \}\}/,
        );
        expect(body).not.toMatch(/\bvalue:/);
      } else {
        expect(body).toMatch(/\bvalue: \{\{ .*(\.Values\.|include ")/);
        expect(body).not.toMatch(/secretKeyRef/);
      }
    }
  });

  it('PRIVATE_KEY from the Secret, or PRIVATE_KEY_PATH to the same key mounted read-only as a file', () => {
    expect(deployment).toMatch(
      /if \.Values\.secrets\.privateKeyAsFile \}\}\s*\n\s*- name: PRIVATE_KEY_PATH[\s\S]*?else \}\}\s*\n\s*- name: PRIVATE_KEY\n/,
    );
    expect(deployment).toMatch(
      /- name: github-private-key\s*\n\s*mountPath: \{\{ \.Values\.secrets\.privateKeyMountPath \}\}\s*\n\s*readOnly: true/,
    );
    expect(deployment).toMatch(
      /secret:\s*\n\s*secretName: \{\{ include "datakit-app\.secretName" \. \}\}[\s\S]*?- key: \{\{ \.Values\.secrets\.privateKeyKey \}\}\s*\n\s*path: private-key\.pem/,
    );
    // the Secret's name is required, not defaulted to something that might exist
    expect(templates.get('_helpers.tpl')).toMatch(/required "secrets\.existingSecret is required[^"]*" \.Values\.secrets\.existingSecret/);
  });

  it('liveness on /healthz and readiness on /readyz, on the named container port', () => {
    expect(deployment).toMatch(/livenessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/healthz\s*\n\s*port: http\n/);
    expect(deployment).toMatch(/readinessProbe:\s*\n\s*httpGet:\s*\n\s*path: \/readyz\s*\n\s*port: http\n/);
    expect(deployment).toMatch(/- name: http\s*\n\s*containerPort: \{\{ \.Values\.server\.port \}\}/);
    expect(templates.get('service.yaml')).toMatch(/targetPort: http/);
  });

  it('the container gets the security context, the resources and a writable /tmp (the root filesystem is read-only)', () => {
    expect(deployment).toMatch(/securityContext:\s*\n\s*\{\{- toYaml \.Values\.podSecurityContext \| nindent 8 \}\}/);
    expect(deployment).toMatch(/securityContext:\s*\n\s*\{\{- toYaml \.Values\.securityContext \| nindent 12 \}\}/);
    expect(deployment).toMatch(/resources:\s*\n\s*\{\{- toYaml \.Values\.resources \| nindent 12 \}\}/);
    expect(deployment).toMatch(/- name: tmp\s*\n\s*mountPath: \/tmp/);
  });

  it('the ingress exposes only the webhook path', () => {
    const ingress = templates.get('ingress.yaml') ?? '';
    expect(ingress).toMatch(/^\{\{- if \.Values\.ingress\.enabled \}\}/);
    expect([...ingress.matchAll(/- path: (.*)/g)].map((m) => m[1])).toEqual(['{{ $.Values.server.webhookPath }}']);
  });
});

describe('app/Dockerfile', () => {
  const text = read('app/Dockerfile');
  const stages = dockerStages(text);
  const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];
  const from = (stage: Instruction[]) => stage[0]!.args.replace('${NODE_IMAGE}', nodeImage ?? '${NODE_IMAGE}');
  const runtime = stages[stages.length - 1]!;
  const runs = (stage: Instruction[]) =>
    stage
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join(' && ');

  it('is a multi-stage build on node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(from(stage)).toMatch(/^node:20-bookworm-slim( AS \w+)?$/);
  });

  it('the build stage runs npm ci and npm run build -w app, then keeps only production dependencies', () => {
    const build = stages[0]!;
    expect(from(build)).toMatch(/ AS build$/);
    const commands = runs(build);
    expect(commands).toMatch(/npm ci(?! --omit)/);
    expect(commands).toMatch(/npm run build -w app/);
    expect(commands).toMatch(/npm ci --omit=dev (--workspace|-w) app/);
    expect(commands.indexOf('npm run build -w app')).toBeLessThan(commands.indexOf('--omit=dev'));
  });

  it('the runtime stage holds app/dist, app/package.json and node_modules, runs as non-root, CMD node app/dist/server.js', () => {
    const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies.every((c) => c.startsWith('--from=build '))).toBe(true);
    const sources = copies.map((c) => c.split(' ')[1]);
    expect(sources).toEqual(expect.arrayContaining(['/src/app/dist', '/src/app/package.json', '/src/node_modules']));
    const user = runtime.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const cmd = runtime.filter((i) => i.op === 'CMD').at(-1)?.args;
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', 'app/dist/server.js']);
    const expose = runtime.find((i) => i.op === 'EXPOSE')?.args;
    expect(Number(expose)).toBe(get(defaults, 'server.port'));
    // the chart leaves the command to the image
    expect(deployment).not.toMatch(/^\s*(command|args):/m);
  });

  it('the ignore file keeps node_modules, dist and credentials out of the build context', () => {
    const ignore = read('app/Dockerfile.dockerignore').split('\n');
    expect(ignore).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git', '**/.env', '**/*.pem']));
  });
});

describe('app/app.yml (GitHub App manifest)', () => {
  const manifest = parse(read('app/app.yml')) as Obj;

  it('subscribes to the events the app handles', () => {
    expect([...(manifest.default_events as string[])].sort()).toEqual(
      ['check_run', 'check_suite', 'issue_comment', 'merge_group', 'pull_request', 'pull_request_review'].sort(),
    );
  });

  it('asks for exactly the permissions the app needs', () => {
    expect(manifest.default_permissions).toEqual({
      contents: 'write',
      pull_requests: 'write',
      checks: 'write',
      deployments: 'write',
      issues: 'write',
      members: 'read',
      metadata: 'read',
    });
  });

  it('names the app and points the webhook at WEBHOOK_PATH', () => {
    expect(manifest.name).toEqual(expect.any(String));
    expect(manifest.url).toMatch(/^https:\/\//);
    expect(get(manifest, 'hook_attributes.url')).toMatch(new RegExp(`^https://[^/]+${String(get(defaults, 'server.webhookPath'))}$`));
    expect(manifest.public).toBe(false);
  });
});

describe('README: the GitHub App section', () => {
  const readme = read('README.md');
  const start = readme.indexOf('\n## GitHub App\n');
  const end = readme.indexOf('\n## ', start + 1);
  const section = start < 0 ? '' : readme.slice(start, end < 0 ? undefined : end);

  it('exists and documents every environment variable, the commands and the required check', () => {
    expect(readme.includes('\n## GitHub App\n'), 'a "## GitHub App" section').toBe(true);
    for (const name of appEnv()) expect(section, name).toContain(`\`${name}\``);
    for (const command of ['/promote', '/rollback', '/datakit status', '/datakit help', 'datakit/promotion', '.github/datakit.yml']) {
      expect(section).toContain(command);
    }
  });
});

describe(helm ? `charts/datakit-app with ${helm}: lint and template` : `charts/datakit-app with helm: SKIPPED, ${HELM_SKIP}`, () => {
  it.skipIf(!helm)('helm lint --strict passes with each ci/ values file', () => {
    for (const file of ['ci/minimal-values.yaml', 'ci/full-values.yaml']) {
      const r = runHelm(['lint', '--strict', chartDir, '-f', path.join(chartDir, file)]);
      expect(r.status, `${file}\n${r.stdout}\n${r.stderr}`).toBe(0);
    }
  });

  it.skipIf(!helm)('the minimal release: the private key and the webhook secret from the Secret, probes, security context', () => {
    const docs = render('ci/minimal-values.yaml');
    expect(docs.map((d) => d.kind).sort()).toEqual(['Deployment', 'Service', 'ServiceAccount']);
    const container = containerOf(docs);
    expect(container.image).toBe('datakit-app:0.1.0');
    const env = envByName(container);
    expect(env.get('APP_ID')).toEqual({ name: 'APP_ID', value: '12345' });
    expect(env.get('PRIVATE_KEY')).toEqual({
      name: 'PRIVATE_KEY',
      valueFrom: { secretKeyRef: { name: 'datakit-app', key: 'private-key' } },
    });
    expect(get(env.get('WEBHOOK_SECRET'), 'valueFrom.secretKeyRef')).toEqual({ name: 'datakit-app', key: 'webhook-secret' });
    expect(env.get('PORT')?.value).toBe('3000');
    expect(env.get('DATAKIT_RENDER_DIFF')?.value).toBe('false');
    expect(get(container, 'livenessProbe.httpGet')).toEqual({ path: '/healthz', port: 'http' });
    expect(get(container, 'readinessProbe.httpGet')).toEqual({ path: '/readyz', port: 'http' });
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const deployment = docs.find((d) => d.kind === 'Deployment');
    expect(get(deployment, 'spec.replicas')).toBe(1);
    expect(get(deployment, 'spec.template.spec.automountServiceAccountToken')).toBe(false);
  });

  it.skipIf(!helm)('the full release: every variable the app reads, the key as a file, the ingress on the webhook path', () => {
    const full = render('ci/full-values.yaml');
    const minimal = render('ci/minimal-values.yaml');
    const container = containerOf(full);
    const env = envByName(container);
    const wired = new Set([...env.keys(), ...envByName(containerOf(minimal)).keys()]);
    expect(appEnv().filter((name) => !wired.has(name))).toEqual([]);
    // large App IDs stay digits (values files give numbers as float64)
    expect(env.get('APP_ID')?.value).toBe('1234567');
    expect(env.has('PRIVATE_KEY')).toBe(false);
    expect(env.get('PRIVATE_KEY_PATH')?.value).toBe('/etc/datakit-app/github/private-key.pem');
    for (const name of SECRET_ENV.filter((n) => env.has(n))) {
      expect(env.get(name), name).toHaveProperty('valueFrom.secretKeyRef.name', 'datakit-app');
      expect(env.get(name), name).not.toHaveProperty('value');
    }
    expect(container.image).toBe(
      'registry.example.com/platform/datakit-app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    );
    const ingress = full.find((d) => d.kind === 'Ingress');
    expect(get(ingress, 'spec.rules.0.http.paths.0.path')).toBe('/api/github/webhooks');
  });

  it.skipIf(!helm)('refuses to render without an App ID or a Secret, and with values the schema rejects', () => {
    for (const args of [
      ['--set', 'secrets.existingSecret=datakit-app'],
      ['--set', 'github.appId=1'],
      ['--set', 'github.appId=1', '--set', 'secrets.existingSecret=x', '--set', 'replicaCount=two'],
      ['--set', 'github.appId=1', '--set', 'secrets.existingSecret=x', '--set', 'secrets.privateKey=pem'],
    ]) {
      const r = runHelm(['template', 'datakit', chartDir, ...args]);
      expect(r.status, args.join(' ')).not.toBe(0);
    }
  });
});
