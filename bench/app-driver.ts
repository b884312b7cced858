/**
 * The measuring half of bench/app.mjs, bundled with esbuild into a temporary .mjs (a .mjs bench
 * cannot import TypeScript). One run is one configuration of the app (DATAKIT_RENDER_DIFF on or off):
 *
 *   node app-driver.mjs <repo root> <true|false: DATAKIT_RENDER_DIFF> <result file>
 *
 * It starts a real registry (CNCF distribution) and the fake GitHub in this process, seeds them (an
 * installation on acme, a gitops repository from the reference template, package repositories
 * acme/pkg-a … with two pull requests each whose head commits are published to the registry, a
 * writer and a reader), then starts the REAL app process (`node app/dist/server.js`, configured
 * through its environment as the chart configures it, GHE_HOST pointing at the fake) and sends it
 * signed webhooks over HTTP:
 *
 *   reference  BENCH_DELIVERIES `ping` deliveries (signature check + Probot dispatch, no handler);
 *   phase 1    comments: /promote dev by the writer, /promote prod by the reader (refused),
 *              /datakit status, /datakit help, plain comments; ~15 % re-sends of an earlier delivery
 *              with the same delivery id (which the app must drop);
 *   phase 2    pull_request.synchronize / opened of the gitops pull requests phase 1 opened (gate
 *              re-evaluation), the rest of the comments, and their re-sends.
 *
 * BENCH_CONCURRENCY deliveries are in flight at once; the order is shuffled with BENCH_SEED. The
 * latency of a delivery is its HTTP round trip: the server answers once the handler has finished.
 * Then the outcome is checked in the fake's state (every command answered once with the right
 * reaction, one open gitops pull request per package with a completed datakit/promotion check, no
 * error in the app's log). Writes one JSON object to the result file; progress goes to stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { packageFiles, publishPackage } from '../app/test/helpers/commands-world';
import { gitopsTemplateFiles } from '../sdk/src/promotion/generated/gitops-template';
import { FakeGitHub, issueCommentCreatedPayload, pullRequestPayload, webhookHeaders } from '../sdk/test/helpers/github';
import { freePort, startRegistry, type TestRegistry } from '../sdk/test/helpers/registry';

const [repoRoot, renderArg, resultFile] = process.argv.slice(2);
if (repoRoot === undefined || (renderArg !== 'true' && renderArg !== 'false') || resultFile === undefined) {
  process.stderr.write('usage: app-driver.mjs <repo root> <true|false> <result file>\n');
  process.exit(2);
}
const renderDiff = renderArg === 'true';

function intEnv(name: string, fallback: number, min: number): number {
  const text = process.env[name];
  const value = text === undefined || text === '' ? fallback : Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${text}`);
  return value;
}

const config = {
  deliveries: intEnv('BENCH_DELIVERIES', 200, 40),
  concurrency: intEnv('BENCH_CONCURRENCY', 8, 1),
  seed: intEnv('BENCH_SEED', 42, 0),
  pingWarmups: 20,
  duplicateShare: 0.15,
  packages: ['pkg-a', 'pkg-b', 'pkg-c', 'pkg-d', 'pkg-e'],
  pullsPerPackage: 2,
  logLevel: process.env.BENCH_LOG_LEVEL || 'warn',
  renderDiff,
};
/** BENCH_APP_LOG=<file>: where to keep the app's log (for LOG_LEVEL=debug diagnosis). */
const appLogFile = process.env.BENCH_APP_LOG || undefined;
/** BENCH_APP_NODE_ARGS: node options for the app process, space-separated (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof). */
const appNodeArgs = (process.env.BENCH_APP_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

const owner = 'acme';
const gitopsRepo = `${owner}/gitops`;
const writer = 'alice';
const reader = 'rob';
const appId = 4242;
const installationId = 77;
const appLogin = 'datakit[bot]';
const webhookSecret = `bench-webhook-secret-${randomUUID()}`;

const progress = (line: string) => process.stderr.write(`  [render ${renderDiff ? 'on' : 'off'}] ${line}\n`);

/** mulberry32: the same mix for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(config.seed);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Deliveries

type Kind =
  'ping' | 'promote-dev' | 'promote-prod-reader' | 'status' | 'help' | 'plain-comment' | 'pr-synchronize' | 'pr-opened' | 'duplicate';
type CommandKind = 'promote-dev' | 'promote-prod-reader' | 'status' | 'help' | 'plain-comment';

interface Delivery {
  kind: Kind;
  /** What the duplicate repeats. */
  of?: Kind;
  id: string;
  event: string;
  body: string;
  headers: Record<string, string>;
}

interface Sample {
  kind: Kind;
  of?: Kind;
  phase: string;
  ms: number;
  status: number;
  error?: string;
}

function delivery(kind: Kind, event: string, payload: unknown): Delivery {
  const id = randomUUID();
  const body = JSON.stringify(payload);
  return { kind, id, event, body, headers: webhookHeaders(event, body, webhookSecret, id) };
}

/** Re-sends of earlier deliveries of the list, each placed after the delivery it repeats. */
function withDuplicates(originals: Delivery[], count: number): Delivery[] {
  const list = [...originals];
  for (let i = 0; i < count; i++) {
    const original = pick(originals);
    const at = list.indexOf(original);
    const position = at + 1 + Math.floor(rand() * (list.length - at));
    list.splice(position, 0, { ...original, kind: 'duplicate', of: original.kind });
  }
  return list;
}

// ---------------------------------------------------------------------------------------------
// Statistics

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
const round = (x: number) => Math.round(x * 100) / 100;

/** Occurrences of each value, most frequent first. */
function countBy(values: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]));
}

function summary(times: readonly number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 0.5)),
    p95Ms: round(percentile(sorted, 0.95)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(sorted[sorted.length - 1] ?? NaN),
    meanMs: round(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
  };
}

// ---------------------------------------------------------------------------------------------
// The app process

interface AppProcess {
  child: ChildProcess;
  url: string;
  pid: number;
  lines: string[];
  exited: Promise<void>;
}

async function startApp(githubPort: number): Promise<AppProcess> {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  fake.setAppKey(privateKey);
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    TMPDIR: tmpdir(),
    APP_ID: String(appId),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: webhookSecret,
    HOST: '127.0.0.1',
    PORT: String(port),
    GHE_HOST: `127.0.0.1:${githubPort}`,
    GHE_PROTOCOL: 'http',
    LOG_LEVEL: config.logLevel,
    DATAKIT_RENDER_DIFF: String(renderDiff),
  };
  const child = spawn(process.execPath, [...appNodeArgs, path.join(repoRoot!, 'app', 'dist', 'server.js')], {
    cwd: workDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim() !== '') lines.push(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the app exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${lines.slice(-20).join('\n')}`);
    }
    const ready = await Promise.race([
      fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      ),
      spawnError,
    ]);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`GET /readyz did not answer 200 within 30 s:\n${lines.slice(-20).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, url, pid: child.pid!, lines, exited };
}

async function stopApp(app: AppProcess): Promise<void> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return;
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 15_000);
  await app.exited;
  clearTimeout(timer);
}

/** VmRSS and VmHWM (the peak) of a process in MB, from /proc (Linux); nulls elsewhere. */
async function memoryOf(pid: number): Promise<{ rssMB: number | null; peakMB: number | null }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? round(Number(match[1]) / 1024) : null;
  };
  return { rssMB: kb('VmRSS'), peakMB: kb('VmHWM') };
}

/**
 * CPU seconds (user + system) a process has used, and its children it waited for (kubectl), from
 * /proc/<pid>/stat (clock ticks of 10 ms); nulls elsewhere.
 */
async function cpuSecondsOf(pid: number): Promise<{ own: number; children: number } | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The fields after the command name (which may hold spaces) start at the state, field 3.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  const children = Number(fields[13]) + Number(fields[14]);
  return text !== '' && Number.isFinite(own) && Number.isFinite(children) ? { own: own / 100, children: children / 100 } : null;
}

const driverCpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

// ---------------------------------------------------------------------------------------------
// Sending

async function send(app: AppProcess, item: Delivery, phase: string): Promise<Sample> {
  const start = performance.now();
  try {
    const response = await fetch(`${app.url}/api/github/webhooks`, { method: 'POST', headers: item.headers, body: item.body });
    await response.text();
    const sample: Sample = { kind: item.kind, phase, ms: performance.now() - start, status: response.status };
    if (item.of !== undefined) sample.of = item.of;
    return sample;
  } catch (error) {
    return {
      kind: item.kind,
      phase,
      ms: performance.now() - start,
      status: 0,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

/** Sends the list in order with `concurrency` deliveries in flight; the samples in completion order. */
async function sendAll(app: AppProcess, items: readonly Delivery[], phase: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      samples.push(await send(app, item, phase));
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.concurrency, items.length) }, worker));
  return samples;
}

function pingDelivery(): Delivery {
  return delivery('ping', 'ping', {
    zen: 'Keep it logically awesome.',
    hook_id: 123456,
    hook: {
      type: 'App',
      id: 123456,
      name: 'web',
      active: true,
      events: ['issue_comment', 'pull_request'],
      config: { content_type: 'json', insecure_ssl: '0', url: 'https://datakit.example.com/api/github/webhooks' },
      app_id: appId,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The world

let fake: FakeGitHub;
let registry: TestRegistry | undefined;
let app: AppProcess | undefined;
let workDir: string;

interface SourcePull {
  repo: string;
  pkg: string;
  number: number;
  head: string;
  digest: string;
}

async function seed(prefix: string): Promise<SourcePull[]> {
  fake.setApp({ id: appId, slug: 'datakit' });
  fake.addInstallation({ id: installationId, account: owner });
  fake.createRepository(gitopsRepo, { files: { ...gitopsTemplateFiles } });
  // The reference policy: dev and int promoted by datakit/engineers, prod by datakit/release.
  fake.addTeamMember('datakit', 'engineers', writer);
  fake.addTeamMember('datakit', 'release', writer);
  fake.addTeamMember('datakit', 'engineers', reader);
  const pulls: SourcePull[] = [];
  for (const pkg of config.packages) {
    const repo = `${owner}/${pkg}`;
    fake.createRepository(repo, {
      files: { ...packageFiles(pkg, '0.1.0'), '.github/datakit.yml': `gitops: ${gitopsRepo}\nregistry: ${prefix}\n` },
    });
    fake.setPermission(repo, writer, 'write');
    fake.setPermission(repo, reader, 'read');
    for (let k = 1; k <= config.pullsPerPackage; k++) {
      const version = `0.${k + 1}.0`;
      const files = packageFiles(pkg, version);
      const head = fake.commit(repo, {
        branch: `change-${k}`,
        files: { 'dk.yaml': files['dk.yaml']!, 'src/main.mjs': files['src/main.mjs']! },
        message: `${pkg} ${version}`,
      });
      const number = fake.openPullRequest(repo, { head: `change-${k}`, title: `${pkg} ${version}`, user: writer }).number;
      const digest = await publishPackage(prefix, pkg, version, head);
      pulls.push({ repo, pkg, number, head, digest });
    }
  }
  return pulls;
}

interface CommentRecord {
  kind: CommandKind;
  repo: string;
  issue: number;
  commentId: number;
}

const commentBodies: Record<CommandKind, readonly string[]> = {
  'promote-dev': ['/promote dev'],
  'promote-prod-reader': ['/promote prod'],
  status: ['/datakit status'],
  help: ['/datakit help'],
  'plain-comment': [
    'LGTM, thanks!',
    'Looks good; I will /promote dev once CI is green.',
    '> /promote dev\nQuoting the command is not a command.',
    'Could you add a dataset for the errors too?',
  ],
};

function commentDelivery(kind: CommandKind, pull: SourcePull, comments: CommentRecord[]): Delivery {
  const user = kind === 'promote-prod-reader' ? reader : writer;
  const commentId = fake.addComment(pull.repo, pull.number, pick(commentBodies[kind]), user);
  comments.push({ kind, repo: pull.repo, issue: pull.number, commentId });
  return delivery(kind, 'issue_comment', issueCommentCreatedPayload(fake, pull.repo, pull.number, commentId));
}

/** How many originals of each kind among `total` (the rest of the rounding goes to /promote dev). */
function mix(total: number): Record<Exclude<Kind, 'duplicate' | 'ping'>, number> {
  const share = { 'promote-prod-reader': 0.12, status: 0.12, help: 0.12, 'plain-comment': 0.14, 'pr-synchronize': 0.13, 'pr-opened': 0.07 };
  const counts = Object.fromEntries(Object.entries(share).map(([kind, s]) => [kind, Math.round(total * s)])) as Record<
    keyof typeof share,
    number
  >;
  const used = Object.values(counts).reduce((a, b) => a + b, 0);
  return { 'promote-dev': total - used, ...counts };
}

// ---------------------------------------------------------------------------------------------
// Outcome checks

function checkOutcome(
  pulls: readonly SourcePull[],
  comments: readonly CommentRecord[],
  samples: readonly Sample[],
  appLines: readonly string[],
  problems: readonly string[],
) {
  const failures: string[] = [];
  const fail = (text: string) => failures.push(text);
  for (const problem of problems) fail(problem);
  for (const s of samples) {
    if (s.status !== 200) fail(`a ${s.kind}${s.of ? ` (of ${s.of})` : ''} delivery answered ${s.status}${s.error ? ` (${s.error})` : ''}`);
  }
  // One open gitops pull request per package and environment branch, pinning one of the package's digests, with a completed check.
  const open = fake.pullRequests(gitopsRepo).filter((p) => p.state === 'open');
  const checks: Record<string, string | null> = {};
  for (const pkg of config.packages) {
    const branch = `datakit/promote/dev/c0/${pkg}`;
    const onBranch = open.filter((p) => p.head === branch);
    if (onBranch.length !== 1) {
      fail(`${gitopsRepo}: ${onBranch.length} open pull requests on ${branch} (one expected)`);
      continue;
    }
    const pinned = fake.readFile(gitopsRepo, branch, `envs/dev/cells/c0/apps/${pkg}/packagedeployment.yaml`) ?? '';
    if (!pulls.some((p) => p.pkg === pkg && pinned.includes(p.digest))) fail(`${branch} pins none of the digests published for ${pkg}`);
    const body = onBranch[0]!.body ?? '';
    const rendered = body.includes('```diff');
    if (rendered !== renderDiff) {
      const what = /> ⚠️ .*/.exec(body)?.[0] ?? (body.includes('(not rendered)') ? '(not rendered)' : 'a rendered diff');
      fail(`${branch}: the pull request body has ${what} with DATAKIT_RENDER_DIFF=${renderDiff}`);
    }
    const head = fake.branchHead(gitopsRepo, branch);
    const run = fake
      .repository(gitopsRepo)
      .checkRuns.filter((r) => r.headSha === head && r.name === 'datakit/promotion')
      .at(-1);
    checks[branch] = run?.conclusion ?? null;
    if (run?.status !== 'completed') fail(`${branch}: no completed datakit/promotion check on its head ${head?.slice(0, 12)}`);
  }
  const others = open.filter((p) => !p.head.startsWith('datakit/promote/dev/c0/'));
  if (others.length > 0) fail(`${gitopsRepo}: unexpected open pull requests ${others.map((p) => p.head).join(', ')}`);
  // One reply per command, none per plain comment or repeated delivery: replies per pull request.
  let replies = 0;
  for (const pull of pulls) {
    const commands = comments.filter((c) => c.repo === pull.repo && c.issue === pull.number && c.kind !== 'plain-comment').length;
    const got = fake.repository(pull.repo).comments.filter((c) => c.issueNumber === pull.number && c.user === appLogin).length;
    replies += got;
    if (got !== commands) fail(`${pull.repo}#${pull.number}: ${got} replies of the app for ${commands} commands`);
  }
  // Reactions of each command comment.
  const expected: Record<CommandKind, { has?: string; not?: string; none?: boolean }> = {
    'promote-dev': { has: 'rocket', not: 'confused' },
    'promote-prod-reader': { has: 'confused', not: 'rocket' },
    status: { has: 'rocket', not: 'confused' },
    help: { has: 'rocket', not: 'confused' },
    'plain-comment': { none: true },
  };
  for (const c of comments) {
    const reactions = fake
      .repository(c.repo)
      .reactions.filter((r) => r.commentId === c.commentId)
      .map((r) => r.content);
    const rule = expected[c.kind];
    const where = `${c.kind} comment ${c.commentId} on ${c.repo}#${c.issue}`;
    if (rule.none && reactions.length > 0) fail(`${where} got reactions ${reactions.join(', ')} (a plain comment gets none)`);
    if (rule.has && !reactions.includes(rule.has)) fail(`${where} has no ${rule.has} reaction (has ${reactions.join(', ') || 'none'})`);
    if (rule.not && reactions.includes(rule.not)) fail(`${where} got ${rule.not}`);
  }
  // Errors in the app's log (deliveries that "succeeded" with a handler error swallowed).
  for (const line of appLines) {
    let parsed: { level?: number | string; msg?: string; code?: string; err?: unknown } | undefined;
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined) fail(`the app printed: ${line.slice(0, 200)}`);
    // pino levels as numbers (50 error, 60 fatal) or as labels (the app's logger writes labels).
    else if (typeof parsed.level === 'number' ? parsed.level >= 50 : parsed.level === 'error' || parsed.level === 'fatal') {
      const err = typeof parsed.err === 'string' ? parsed.err : JSON.stringify(parsed.err ?? '').slice(0, 200);
      fail(`the app logged an error: ${parsed.msg ?? ''}${parsed.code ? ` ${parsed.code}` : ''} ${err}`);
    }
  }
  // The first failures of each check come first; the count says how many there were.
  return { failureCount: failures.length, failures: failures.slice(0, 40), replies, gitopsPullRequests: open.length, checks };
}

// ---------------------------------------------------------------------------------------------

async function cleanup(): Promise<void> {
  if (app) await stopApp(app).catch(() => undefined);
  await fake?.close().catch(() => undefined);
  await registry?.stop().catch(() => undefined);
  if (workDir) await rm(workDir, { recursive: true, force: true });
}

let interrupted = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupted) return;
  interrupted = true;
  process.stderr.write(`app-driver: ${signal}, cleaning up\n`);
  void cleanup().finally(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function main(): Promise<void> {
  const started = performance.now();
  workDir = await mkdtemp(path.join(tmpdir(), 'dk-bench-app-'));
  registry = await startRegistry();
  const prefix = `oci://${registry.host}/bench`;
  fake = await FakeGitHub.start({ strictTokens: true });
  const githubPort = Number(new URL(fake.url).port);
  const pulls = await seed(prefix);
  const setupMs = performance.now() - started;
  progress(`seeded ${config.packages.length} package repositories, ${pulls.length} published pull requests (${Math.round(setupMs)} ms)`);

  app = await startApp(githubPort);
  const atStart = await memoryOf(app.pid);
  progress(`app ready at ${app.url} (pid ${app.pid}, RSS ${atStart.rssMB} MB)`);

  // Reference: pings.
  const warm = await sendAll(app, Array.from({ length: config.pingWarmups }, pingDelivery), 'ping-warmup');
  const pings = await sendAll(app, Array.from({ length: config.deliveries }, pingDelivery), 'ping');
  const pingFailures = [...warm, ...pings].filter((s) => s.status !== 200);
  if (pingFailures.length > 0) throw new Error(`ping deliveries failed: ${pingFailures.map((s) => s.status).join(', ')}`);
  const ping = summary(pings.map((s) => s.ms));
  progress(`ping reference: p50 ${ping.p50Ms} ms, p95 ${ping.p95Ms} ms`);
  const afterPing = await memoryOf(app.pid);

  // The mix.
  const duplicates = Math.round(config.deliveries * config.duplicateShare);
  const counts = mix(config.deliveries - duplicates);
  const prEvents = counts['pr-synchronize'] + counts['pr-opened'];
  const commandCounts = { ...counts } as Record<string, number>;
  delete commandCounts['pr-synchronize'];
  delete commandCounts['pr-opened'];
  const comments: CommentRecord[] = [];
  const commandKinds: CommandKind[] = [];
  for (const [kind, n] of Object.entries(commandCounts)) for (let i = 0; i < n; i++) commandKinds.push(kind as CommandKind);
  // Every pull request is promoted to dev in phase 1, so every package has its gitops pull request before phase 2.
  const firstPromotions = pulls.map((pull) => commentDelivery('promote-dev', pull, comments));
  const rest = shuffle(commandKinds.slice(pulls.length));
  const phase2Commands = rest.splice(0, Math.round((commandKinds.length - pulls.length) * 0.35));
  const phase1Originals = shuffle([...firstPromotions, ...rest.map((kind) => commentDelivery(kind, pick(pulls), comments))]);
  const phase1Count = phase1Originals.length;
  const phase1Duplicates = Math.round((duplicates * phase1Count) / (phase1Count + phase2Commands.length + prEvents));
  const phase1 = withDuplicates(phase1Originals, phase1Duplicates);

  const requestsBefore = fake.requests.length;
  const cpuBefore = { app: await cpuSecondsOf(app.pid), driver: driverCpuSeconds() };
  const mixStart = performance.now();
  progress(`phase 1: ${phase1.length} deliveries (${phase1Duplicates} repeated)`);
  const samples1 = await sendAll(app, phase1, 'commands');

  const gitopsPulls = fake.pullRequests(gitopsRepo).filter((p) => p.state === 'open');
  const problems: string[] = [];
  if (gitopsPulls.length === 0) problems.push(`phase 1 opened no gitops pull request: phase 2 sends no pull_request deliveries`);
  const phase2Originals: Delivery[] = phase2Commands.map((kind) => commentDelivery(kind, pick(pulls), comments));
  for (let i = 0; i < prEvents && gitopsPulls.length > 0; i++) {
    const pull = gitopsPulls[i % gitopsPulls.length]!;
    const action = i < counts['pr-synchronize'] ? 'synchronize' : 'opened';
    phase2Originals.push(delivery(`pr-${action}`, 'pull_request', pullRequestPayload(fake, gitopsRepo, pull.number, action)));
  }
  const phase2 = withDuplicates(shuffle(phase2Originals), duplicates - phase1Duplicates);
  progress(`phase 2: ${phase2.length} deliveries (${gitopsPulls.length} gitops pull requests, ${duplicates - phase1Duplicates} repeated)`);
  const samples2 = await sendAll(app, phase2, 'gates');
  const mixMs = performance.now() - mixStart;
  const cpuAfter = { app: await cpuSecondsOf(app.pid), driver: driverCpuSeconds() };
  const samples = [...samples1, ...samples2];
  const githubRequests = fake.requests.slice(requestsBefore);

  const atEnd = await memoryOf(app.pid);
  const appLines = app.lines;
  await stopApp(app);
  const outcome = checkOutcome(pulls, comments, samples, appLines, problems);
  if (appLogFile) await writeFile(appLogFile, appLines.join('\n') + '\n');

  const kinds: Record<string, ReturnType<typeof summary>> = {};
  for (const kind of [...new Set(samples.map((s) => s.kind))].sort()) {
    kinds[kind] = summary(samples.filter((s) => s.kind === kind).map((s) => s.ms));
  }
  const mixed = summary(samples.map((s) => s.ms));
  progress(`mixed: p50 ${mixed.p50Ms} ms, p95 ${mixed.p95Ms} ms, max ${mixed.maxMs} ms; ${outcome.failureCount} failures`);

  const result = {
    renderDiff,
    config: { ...config, duplicates, counts },
    setupMs: round(setupMs),
    ping,
    mixed,
    phases: { commands: summary(samples1.map((s) => s.ms)), gates: summary(samples2.map((s) => s.ms)) },
    kinds,
    wallMs: round(mixMs),
    deliveriesPerSecond: round((samples.length * 1000) / mixMs),
    ratio: round(mixed.p95Ms / ping.p95Ms),
    cpu: {
      appSeconds: cpuAfter.app === null || cpuBefore.app === null ? null : round(cpuAfter.app.own - cpuBefore.app.own),
      appChildrenSeconds: cpuAfter.app === null || cpuBefore.app === null ? null : round(cpuAfter.app.children - cpuBefore.app.children),
      driverSeconds: round(cpuAfter.driver - cpuBefore.driver),
      wallSeconds: round(mixMs / 1000),
    },
    memory: {
      rssAtStartMB: atStart.rssMB,
      rssAfterPingMB: afterPing.rssMB,
      rssAtEndMB: atEnd.rssMB,
      peakMB: atEnd.peakMB,
    },
    github: {
      requests: githubRequests.length,
      perDelivery: round(githubRequests.length / samples.length),
      byRoute: countBy(githubRequests.map((r) => r.route ?? `${r.method} ${r.path}`)),
      non2xx: countBy(
        githubRequests.filter((r) => r.status < 200 || r.status >= 300).map((r) => `${r.status} ${r.route ?? `${r.method} ${r.path}`}`),
      ),
    },
    outcome,
    samples: samples.map((s) => ({ ...s, ms: round(s.ms) })),
  };
  await writeFile(resultFile!, JSON.stringify(result, null, 2) + '\n');
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`app-driver: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    if (app) process.stderr.write(`app log (last lines):\n${app.lines.slice(-20).join('\n')}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (!interrupted) await cleanup();
  });
