// Benchmarks the promotion commands of the dk CLI (`node cli/dist/dk.mjs`) on a large gitops
// repository:
//
//   dk status --gitops <clone>             text, and -o json (checked: every package × dev/int/prod);
//   dk promote <pkg> <v> --to int --dry-run an allowed plan (checked: exit 0, "policy: allowed");
//   dk promote <pkg> <v> --to prod --dry-run a refused plan (checked: exit 1, "refused"; digest not in int).
//
// The repository is generated in a temp directory: `dk gitops init` (layout, policy, first commit),
// then one commit deploying BENCH_PACKAGES packages (default 500) to dev, int and prod (cell c0) at
// 0.1.0, then BENCH_HISTORY_OPS (default 300) further changes over 30 days moving dev, int and a few
// prod pins: promotions merged from a branch (a merge commit on the default branch), direct commits
// and batched bumps of many packages, and a few promotion branches still unmerged (pending). The app
// files are the format of gitops/envs/dev/cells/c0/apps/demo/* of this repository (read from it),
// with pins registry.example.com/team/<pkg>@sha256:<hex>. History goes in with one `git fast-import`
// into a bare repository, all commits older than 24 hours; the benchmark runs on a clone of it, so
// every dk command fetches from an origin over file:// as it would from a real remote.
//
// The promoted package is real: `dk init pkg0042 --runtime generic-node` (its version set to
// 0.3.0 so that it is newer than any version the generated history pins for it), published with
// `dk publish --registry oci-layout:<tmp>/oci`; the history pins that digest in dev two days ago (the
// policy's int needs 1h of soak in dev), int still pins an older version.
//
// Timing: BENCH_WARMUPS rounds (default 1) then BENCH_RUNS rounds (default 7); each round runs every
// command once, in an order rotated from round to round, so that drift hits them all; medians.
// References measured in the same rounds: `node -e 0` (start-up floor), `git ls-tree -r HEAD` and
// `git log --oneline` on the clone (the cost of reading the repository with git); also, for
// information, the one `git log -p` dk status runs over the deployment files (the same arguments).
// Peak RSS: one extra run of each command under GNU time (%M: the largest of the process and the
// children it waited for, git and kubectl included).
//
// Run with `npm run bench:promote` (after `npm run build:cli`). Environment: BENCH_PACKAGES,
// BENCH_HISTORY_OPS, BENCH_RUNS, BENCH_WARMUPS, BENCH_TMPDIR (default the OS temp directory),
// BENCH_KEEP_TMP=1 (keep the generated repositories and print where). Prints a table and writes
// bench/results/promote.json. Like the other benchmarks it reports, it doesn't gate: the exit code
// is 0 whenever the measurements could be taken, even if a target is missed (a FAIL line says so),
// and non-zero only when the benchmark itself fails (the CLI is missing, a command's output is not
// what it must be, a refused promotion exits 0, …).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BenchError,
  expectSuccess,
  gnuTime,
  killChildren,
  machineInfo,
  machineLine,
  ms,
  rssMB,
  run,
  runMeasured,
  stats,
  table,
  verdict,
  benchPaths,
  reportBenchFailure,
  writeResults,
} from './lib/harness.mjs';

const { repoRoot, dkBundle, resultsFile } = benchPaths('promote');

const positiveInt = (name, fallback, min = 1) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new BenchError(`${name} must be an integer >= ${min}, got ${process.env[name]}`);
  return value;
};

const config = {
  packages: positiveInt('BENCH_PACKAGES', 500, 50),
  historyOps: positiveInt('BENCH_HISTORY_OPS', 300, 10),
  pendingBranches: 5,
  warmups: positiveInt('BENCH_WARMUPS', 1, 0),
  runs: positiveInt('BENCH_RUNS', 7),
  tmpRoot: process.env.BENCH_TMPDIR ?? os.tmpdir(),
  keepTmp: process.env.BENCH_KEEP_TMP === '1',
  envs: ['dev', 'int', 'prod'],
  cell: 'c0',
  historyDays: 30,
  target: 'pkg0042',
  publishedVersion: '0.3.0',
  seed: 42,
};
const targets = { statusSeconds: 2.0, promoteDryRunSeconds: 1.0 };

const day = 24 * 3600 * 1000;
const hour = 3600 * 1000;
const pkgName = (i) => `pkg${String(i).padStart(4, '0')}`;
const sha256Hex = (text) => createHash('sha256').update(text).digest('hex');
const round2 = (x) => Math.round(x * 100) / 100;
const seconds = (msValue) => `${(msValue / 1000).toFixed(2)} s`;

/** mulberry32: the same history on every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// App files, in the format of gitops/envs/dev/cells/c0/apps/demo/*

/** Replaces exactly one match of each pattern; a template that no longer matches is a benchmark failure. */
function substitute(template, file, replacements) {
  let text = template;
  for (const [pattern, replacement] of replacements) {
    const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))?.length ?? 0;
    if (matches === 0) throw new BenchError(`${file} no longer matches ${pattern}: update bench/promote.mjs to its format`);
    text = text.replace(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`), replacement);
  }
  if (/\bdemo\b/.test(text.replace(/^#.*$/gm, ''))) throw new BenchError(`${file}: "demo" left after templating`);
  return text;
}

async function appTemplates() {
  const dir = path.join(repoRoot, 'gitops', 'envs', 'dev', 'cells', 'c0', 'apps', 'demo');
  const kustomization = await readFile(path.join(dir, 'kustomization.yaml'), 'utf8');
  const deployment = await readFile(path.join(dir, 'packagedeployment.yaml'), 'utf8');
  const rel = (name) => path.relative(repoRoot, path.join(dir, name));
  return {
    kustomization: (env, cell, pkg) =>
      substitute(kustomization, rel('kustomization.yaml'), [
        [/\(dev-c0-demo\)/, `(${env}-${cell}-${pkg})`],
        [/^namespace: datakit-dev-c0$/m, `namespace: datakit-${env}-${cell}`],
        [/^(\s+datakit\.dev\/package:) demo$/m, `$1 ${pkg}`],
        [/^(\s+datakit\.dev\/environment:) dev$/m, `$1 ${env}`],
        [/^(\s+datakit\.dev\/cell:) c0$/m, `$1 ${cell}`],
      ]),
    deployment: (cell, pkg, pin) =>
      substitute(deployment, rel('packagedeployment.yaml'), [
        [/^(\s*name:) demo$/m, `$1 ${pkg}`],
        [/^(\s+version:) \S+$/m, `$1 ${pin.version}`],
        [/^(\s+ref:) \S+$/m, `$1 ${pin.ref}`],
        [/^(\s+digest:) \S+$/m, `$1 ${pin.digest}`],
        [/^(\s+cell:) c0$/m, `$1 ${cell}`],
      ]),
  };
}

// ---------------------------------------------------------------------------------------------
// The history, as a git fast-import stream

const people = [
  ['Ana Lima', 'ana@example.com'],
  ['Bo Chen', 'bo@example.com'],
  ['Chidi Okafor', 'chidi@example.com'],
  ['DataKit Bot', 'datakit-bot@example.com'],
];

function syntheticPin(pkg, version) {
  const digest = `sha256:${sha256Hex(`${pkg}@${version}`)}`;
  return { version, digest, ref: `registry.example.com/team/${pkg}@${digest}` };
}

function bump(version, rand) {
  const [major, minor, patch] = version.split('.').map(Number);
  return rand() < 0.2 ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
}

/**
 * The operations after the first deployment, oldest first: { time, merge, message, changes: [{ pkg, env, pin }] }.
 * Random dev bumps, int and prod promotions of what the previous environment pins; the target
 * package follows its own script (0.1.1 in dev then int, 0.2.0 in dev, the published digest in dev).
 */
function planHistory({ packages, start, end, published }) {
  const rand = random(config.seed);
  const state = new Map(packages.map((p) => [p, Object.fromEntries(config.envs.map((e) => [e, syntheticPin(p, '0.1.0')]))]));
  const others = packages.filter((p) => p !== config.target);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const ops = [];
  let pr = 100;
  const promotion = (pkg, env, pin, time, merge) => {
    state.get(pkg)[env] = pin;
    const title = `Promote ${pkg} ${pin.version} to ${env}/${config.cell}`;
    ops.push({
      time,
      merge: merge ? { branch: `datakit/promote/${env}/${config.cell}/${pkg}`, number: pr++ } : undefined,
      message: `${title}\n\nDigest: ${pin.digest}\nRef: ${pin.ref}\n`,
      changes: [{ pkg, env, pin }],
    });
  };
  const script = [
    [0.4, () => syntheticPin(config.target, '0.1.1'), 'dev'],
    [0.5, () => state.get(config.target).dev, 'int'],
    [0.7, () => syntheticPin(config.target, '0.2.0'), 'dev'],
  ];
  for (let i = 0; i < config.historyOps; i++) {
    const fraction = i / config.historyOps;
    const time = start + Math.round(fraction * (end - start));
    while (script.length > 0 && script[0][0] <= fraction) {
      const [, pin, env] = script.shift();
      promotion(config.target, env, pin(), time - 60_000, true);
    }
    const r = rand();
    if (r < 0.55) {
      const batch = rand() < 0.15 ? 5 + Math.floor(rand() * 16) : 1;
      if (batch === 1) {
        const pkg = pick(others);
        promotion(pkg, 'dev', syntheticPin(pkg, bump(state.get(pkg).dev.version, rand)), time, rand() < 0.6);
        continue;
      }
      const chosen = new Set();
      while (chosen.size < batch) chosen.add(pick(others));
      const changes = [...chosen]
        .sort()
        .map((pkg) => ({ pkg, env: 'dev', pin: syntheticPin(pkg, bump(state.get(pkg).dev.version, rand)) }));
      for (const c of changes) state.get(c.pkg).dev = c.pin;
      ops.push({
        time,
        message: `Bump ${batch} packages in dev/${config.cell}\n\n${changes.map((c) => `${c.pkg} ${c.pin.version}`).join('\n')}\n`,
        changes,
      });
      continue;
    }
    const [from, to] = r < 0.9 ? ['dev', 'int'] : ['int', 'prod'];
    const candidates = others.filter((p) => state.get(p)[from].digest !== state.get(p)[to].digest);
    if (candidates.length === 0) continue;
    const pkg = pick(candidates);
    promotion(pkg, to, state.get(pkg)[from], time, rand() < 0.6 || to === 'prod');
  }
  promotion(config.target, 'dev', published, Date.now() - 2 * day, true);
  // Pending: int promotions of what dev pins, on branches not merged yet.
  const pending = [];
  const candidates = others.filter((p) => state.get(p).dev.digest !== state.get(p).int.digest);
  for (const pkg of candidates.slice(0, config.pendingBranches)) {
    const pin = state.get(pkg).dev;
    pending.push({
      time: Date.now() - day - pending.length * hour,
      branch: `datakit/promote/int/${config.cell}/${pkg}`,
      message: `Promote ${pkg} ${pin.version} to int/${config.cell}\n\nDigest: ${pin.digest}\nRef: ${pin.ref}\n`,
      changes: [{ pkg, env: 'int', pin }],
    });
  }
  return { ops, pending, state };
}

class FastImport {
  chunks = [];
  mark = 0;

  data(text) {
    this.chunks.push(`data ${Buffer.byteLength(text)}\n`, text, '\n');
  }

  commit(ref, { time, who, message, from, merge, files }) {
    const mark = ++this.mark;
    const when = `${Math.floor(time / 1000)} +0000`;
    this.chunks.push(`commit ${ref}\nmark :${mark}\nauthor ${who[0]} <${who[1]}> ${when}\ncommitter ${who[0]} <${who[1]}> ${when}\n`);
    this.data(message);
    this.chunks.push(`from ${from}\n`);
    if (merge) this.chunks.push(`merge ${merge}\n`);
    for (const [file, content] of files) {
      this.chunks.push(`M 100644 inline ${file}\n`);
      this.data(content);
    }
    this.chunks.push('\n');
    return `:${mark}`;
  }

  text() {
    return this.chunks.join('');
  }
}

/** Writes the history on top of the `dk gitops init` commit; returns the stream and what it holds. */
function historyStream({ initCommit, templates, published, start }) {
  const packages = Array.from({ length: config.packages }, (_, i) => pkgName(i));
  const firstDeploy = start + hour;
  const { ops, pending, state } = planHistory({ packages, start: firstDeploy + hour, end: Date.now() - 3 * day, published });
  const rand = random(config.seed + 1);
  const who = () => people[Math.floor(rand() * people.length)];
  const appDir = (env, pkg) => `envs/${env}/cells/${config.cell}/apps/${pkg}`;
  const deploymentFile = (c) => [`${appDir(c.env, c.pkg)}/packagedeployment.yaml`, templates.deployment(config.cell, c.pkg, c.pin)];
  const out = new FastImport();
  const files = [];
  for (const env of config.envs) {
    for (const pkg of packages) {
      files.push([`${appDir(env, pkg)}/kustomization.yaml`, templates.kustomization(env, config.cell, pkg)]);
      files.push(deploymentFile({ env, pkg, pin: syntheticPin(pkg, '0.1.0') }));
    }
  }
  let main = out.commit('refs/heads/main', {
    time: firstDeploy,
    who: people[3],
    message: `Deploy ${config.packages} packages at 0.1.0 to ${config.envs.join(', ')}\n`,
    from: initCommit,
    files,
  });
  let commits = 1;
  let merges = 0;
  for (const op of ops) {
    const changed = op.changes.map(deploymentFile);
    const author = op.merge ? people[3] : who();
    if (op.merge) {
      const side = out.commit('refs/bench/pr', {
        time: op.time - 10 * 60_000,
        who: people[3],
        message: op.message,
        from: main,
        files: changed,
      });
      main = out.commit('refs/heads/main', {
        time: op.time,
        who: who(),
        message: `Merge pull request #${op.merge.number} from ${op.merge.branch}\n\n${op.message.split('\n')[0]}\n`,
        from: main,
        merge: side,
        files: changed,
      });
      commits += 2;
      merges++;
    } else {
      main = out.commit('refs/heads/main', { time: op.time, who: author, message: op.message, from: main, files: changed });
      commits++;
    }
  }
  for (const p of pending) {
    out.commit(`refs/heads/${p.branch}`, {
      time: p.time,
      who: people[3],
      message: p.message,
      from: main,
      files: p.changes.map(deploymentFile),
    });
  }
  const moves = ops.reduce((n, op) => n + op.changes.length, 0);
  return {
    stream: out.text(),
    info: { packages: config.packages, commits: commits + 1, merges, pinMoves: moves, pending: pending.length },
    state,
  };
}

// ---------------------------------------------------------------------------------------------
// Measurement

const parseJson = (what, result) => {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new BenchError(`${what} printed no JSON:\n${(result.stdout + result.stderr).slice(0, 2000)}`);
  }
};

function expectExit(what, result, code) {
  if (result.code === code) return;
  const output = (result.stdout + result.stderr).trim().split('\n').slice(0, 40).join('\n');
  throw new BenchError(`${what} exited with ${result.code}${result.signal ? ` (${result.signal})` : ''}, expected ${code}:\n${output}`);
}

/**
 * Interleaved rounds: every variant once per round, in an order rotated each round; each run is
 * checked (exit code and output) so that no error path is ever timed.
 */
async function measure(variants, { warmups, runs, cwd }) {
  const names = Object.keys(variants);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const once = async (name, what) => {
    const v = variants[name];
    const result = await run(v.command, v.args, { cwd });
    expectExit(`${v.label} (${what})`, result, v.exitCode ?? 0);
    v.check?.(result, `${v.label} (${what})`);
    return result;
  };
  for (let i = 0; i < warmups; i++) for (const name of names) await once(name, `warm-up ${i + 1}`);
  for (let i = 0; i < runs; i++) {
    const order = names.map((_, k) => names[(k + i) % names.length]);
    for (const name of order) times[name].push((await once(name, `run ${i + 1}`)).ms);
    if (process.stdout.isTTY) process.stdout.write(`\r  round ${i + 1}/${runs}`);
  }
  if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
  return Object.fromEntries(names.map((n) => [n, stats(times[n])]));
}

async function peakRss(variants, { cwd, rssFile }) {
  const result = {};
  for (const [name, v] of Object.entries(variants)) {
    if (!rssFile) {
      result[name] = null;
      continue;
    }
    const measured = await runMeasured(v.command, v.args, { cwd }, rssFile);
    expectExit(`${v.label} (peak RSS run)`, measured, v.exitCode ?? 0);
    result[name] = measured.rssKB;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(dkBundle)) throw new BenchError(`${path.relative(repoRoot, dkBundle)} is missing: run \`npm run build:cli\` first`);
  const haveGnuTime = existsSync(gnuTime);
  // dk promote renders the kustomize diff with kubectl when it is on PATH: its version goes into the results.
  const kubectl = await run('kubectl', ['version', '--client=true', '-o', 'json']).then(
    (r) => {
      if (r.code !== 0) return null;
      try {
        return JSON.parse(r.stdout).clientVersion?.gitVersion ?? 'unknown';
      } catch {
        return 'unknown';
      }
    },
    () => null,
  );
  const gitVersion = (await run('git', ['--version'])).stdout.trim();
  const machine = machineInfo();
  const node = process.execPath;
  const dk = (...args) => ({ command: node, args: [dkBundle, ...args] });
  const startedAt = new Date().toISOString();

  console.log('dk promotion benchmark (status, promote --dry-run)');
  console.log(machineLine(machine));
  console.log(`${gitVersion}; kubectl ${kubectl ?? 'not found (dk promote cannot render the kustomize diff)'}`);
  if (!haveGnuTime) console.log(`warning: ${gnuTime} not found: peak RSS is not measured`);
  console.log('');

  await mkdir(config.tmpRoot, { recursive: true });
  const tmp = await mkdtemp(path.join(config.tmpRoot, 'dk-bench-promote-'));
  let cleaned;
  const cleanup = () =>
    (cleaned ??= (async () => {
      killChildren('SIGTERM');
      if (config.keepTmp) console.log(`kept ${tmp} (BENCH_KEEP_TMP=1)`);
      else await rm(tmp, { recursive: true, force: true });
    })());
  const onSignal = (signal) => {
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // Neither the user's git configuration nor their dk settings take part.
    await writeFile(path.join(tmp, 'gitconfig'), '');
    Object.assign(process.env, {
      GIT_CONFIG_GLOBAL: path.join(tmp, 'gitconfig'),
      GIT_CONFIG_NOSYSTEM: '1',
      XDG_CONFIG_HOME: path.join(tmp, 'xdg'),
    });
    for (const name of ['DK_GITOPS', 'DK_REGISTRY', 'DK_GITHUB_TOKEN', 'DK_DEBUG']) delete process.env[name];
    const identity = { GIT_COMMITTER_NAME: 'DataKit Bot', GIT_COMMITTER_EMAIL: 'datakit-bot@example.com' };
    const git = async (args, options = {}) => {
      const result = await run('git', args, { cwd: tmp, ...options, env: { ...identity, ...options.env } });
      expectSuccess(`git ${args.join(' ')}`, result);
      return result.stdout.trim();
    };

    // 1. The package to promote, published to a local OCI layout.
    const setupStart = process.hrtime.bigint();
    console.log(`[1/4] dk init ${config.target} + dk publish --registry oci-layout:… (version ${config.publishedVersion})`);
    const ociLayout = path.join(tmp, 'oci');
    const registry = `oci-layout:${ociLayout}`;
    const pkgDir = path.join(tmp, 'packages', config.target);
    await mkdir(path.dirname(pkgDir), { recursive: true });
    expectSuccess(
      `dk init ${config.target}`,
      await run(node, [dkBundle, 'init', config.target, '--runtime', 'generic-node'], { cwd: path.dirname(pkgDir) }),
    );
    const manifest = path.join(pkgDir, 'dk.yaml');
    const scaffolded = await readFile(manifest, 'utf8');
    const versioned = scaffolded.replace(/^(\s+version:) \S+$/m, `$1 ${config.publishedVersion}`);
    if (versioned === scaffolded) throw new BenchError(`${config.target}/dk.yaml has no metadata.version line to set`);
    await writeFile(manifest, versioned);
    const publishResult = await run(node, [dkBundle, 'publish', pkgDir, '--registry', registry, '--json'], { cwd: tmp });
    expectSuccess(`dk publish ${config.target} --registry ${registry}`, publishResult);
    const publishedJson = parseJson('dk publish --json', publishResult);
    if (publishedJson.version !== config.publishedVersion || !/^sha256:[0-9a-f]{64}$/.test(publishedJson.digest ?? '')) {
      throw new BenchError(`dk publish --json: unexpected ${JSON.stringify(publishedJson)}`);
    }
    const published = {
      version: publishedJson.version,
      digest: publishedJson.digest,
      ref: `registry.example.com/team/${config.target}@${publishedJson.digest}`,
    };

    // 2. The gitops repository: dk gitops init, the generated history, a bare origin and a clone.
    console.log(
      `[2/4] gitops repository: ${config.packages} packages × ${config.envs.join('/')} (cell ${config.cell}), ${config.historyOps} history operations`,
    );
    const seedDir = path.join(tmp, 'gitops-init');
    expectSuccess('dk gitops init', await run(node, [dkBundle, 'gitops', 'init', seedDir], { cwd: tmp }));
    const start = Date.now() - config.historyDays * day;
    const startRaw = `${Math.floor(start / 1000)} +0000`;
    await git(['-C', seedDir, 'commit', '--quiet', '--amend', '--no-edit', '--no-verify', `--date=${startRaw}`], {
      env: { GIT_COMMITTER_DATE: startRaw },
    });
    const initCommit = await git(['-C', seedDir, 'rev-parse', 'HEAD']);
    const branch = await git(['-C', seedDir, 'symbolic-ref', '--short', 'HEAD']);
    if (branch !== 'main') throw new BenchError(`dk gitops init made branch ${branch}, expected main`);
    const bare = path.join(tmp, 'origin.git');
    await git(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
    await git(['-C', seedDir, 'push', '--quiet', bare, 'main']);
    const templates = await appTemplates();
    const history = historyStream({ initCommit, templates, published, start });
    const streamFile = path.join(tmp, 'history.fi');
    await writeFile(streamFile, history.stream);
    expectSuccess('git fast-import', await run('sh', ['-c', 'exec git fast-import --quiet < "$1"', 'sh', streamFile], { cwd: bare }));
    await git(['-C', bare, 'update-ref', '-d', 'refs/bench/pr']);
    const clone = path.join(tmp, 'clone');
    await git(['clone', '--quiet', `file://${bare}`, clone]);
    const head = await git(['-C', clone, 'rev-parse', 'HEAD']);
    const commitCount = Number(await git(['-C', clone, 'rev-list', '--count', 'HEAD']));
    const deploymentFiles = (await git(['-C', clone, 'ls-tree', '-r', '--name-only', 'HEAD', 'envs/']))
      .split('\n')
      .filter((f) => f.endsWith('/packagedeployment.yaml')).length;
    if (deploymentFiles !== config.packages * config.envs.length) {
      throw new BenchError(
        `the clone has ${deploymentFiles} packagedeployment.yaml files, expected ${config.packages * config.envs.length}`,
      );
    }
    const refsBefore = await git(['-C', bare, 'for-each-ref']);
    const repository = {
      ...history.info,
      commits: commitCount,
      deploymentFiles,
      head,
      setupSeconds: round2(Number(process.hrtime.bigint() - setupStart) / 1e9),
    };
    console.log(
      `      ${commitCount} commits (${repository.merges} merges, ${repository.pinMoves} pin moves), ${repository.pending} pending promotion branches, ` +
        `${deploymentFiles} deployments; set up in ${repository.setupSeconds} s`,
    );

    // 3. Checks: what each measured command prints must be right.
    console.log('[3/4] checking the outputs');
    const statusJsonRun = await run(node, [dkBundle, 'status', '--gitops', clone, '-o', 'json'], { cwd: tmp });
    expectSuccess('dk status -o json', statusJsonRun);
    const checkStatusJson = (result, what) => {
      const report = parseJson(what, result);
      const packages = report.packages ?? [];
      if (packages.length !== config.packages) throw new BenchError(`${what}: ${packages.length} packages, expected ${config.packages}`);
      for (const p of packages) {
        const envs = (p.entries ?? []).map((e) => `${e.env}/${e.cell}`).join(',');
        if (envs !== config.envs.map((e) => `${e}/${config.cell}`).join(','))
          throw new BenchError(`${what}: ${p.package} has entries ${envs}`);
      }
      if (report.commit !== head) throw new BenchError(`${what}: commit ${report.commit}, expected ${head}`);
      return report;
    };
    const statusReport = checkStatusJson(statusJsonRun, 'dk status -o json');
    const entries = statusReport.packages.flatMap((p) => p.entries);
    const targetDev = entries.find((e) => e.package === config.target && e.env === 'dev');
    if (targetDev?.digest !== published.digest)
      throw new BenchError(`dk status: ${config.target} in dev pins ${targetDev?.digest}, expected ${published.digest}`);
    for (const [pkg, pins] of history.state) {
      for (const env of config.envs) {
        const entry = entries.find((e) => e.package === pkg && e.env === env);
        if (entry?.digest !== pins[env].digest)
          throw new BenchError(`dk status: ${pkg} in ${env} pins ${entry?.digest}, the history ${pins[env].digest}`);
      }
    }
    const statusSummary = {
      packages: statusReport.packages.length,
      entries: entries.length,
      withDrift: entries.filter((e) => e.drift.length > 0).length,
      pending: entries.reduce((n, e) => n + e.pending.length, 0) + statusReport.packages.reduce((n, p) => n + p.incoming.length, 0),
    };
    if (statusSummary.pending !== history.info.pending)
      throw new BenchError(`dk status shows ${statusSummary.pending} pending changes, expected ${history.info.pending}`);
    // A table row: package (first row of a package only), env/cell, version, digest; not the drift and pending notes.
    const rowPattern = new RegExp(`^\\S*\\s+(${config.envs.join('|')})/${config.cell}\\s+\\S+\\s+sha256:`, 'gm');
    const checkStatusText = (result, what) => {
      const rows = result.stdout.match(rowPattern)?.length ?? 0;
      if (rows !== config.packages * config.envs.length)
        throw new BenchError(`${what}: ${rows} env/cell rows, expected ${config.packages * config.envs.length}`);
    };
    const promoteArgs = (env) => [
      'promote',
      config.target,
      config.publishedVersion,
      '--to',
      env,
      '--gitops',
      clone,
      '--registry',
      registry,
      '--dry-run',
    ];
    const checkAllowed = (result, what) => {
      if (!/policy:\s+allowed/.test(result.stdout) || !/Dry run/.test(result.stdout))
        throw new BenchError(`${what}: not an allowed dry run:\n${result.stdout}${result.stderr}`);
    };
    const checkRefused = (result, what) => {
      if (!/policy:\s+refused/.test(result.stdout) || !/DK701/.test(result.stderr + result.stdout))
        throw new BenchError(`${what}: not a refusal (DK701):\n${result.stdout}${result.stderr}`);
    };
    const allowedJson = await run(node, [dkBundle, ...promoteArgs('int'), '--json'], { cwd: tmp });
    expectSuccess('dk promote --to int --dry-run --json', allowedJson);
    const allowedPlan = parseJson('dk promote --to int --dry-run --json', allowedJson);
    if (
      allowedPlan.allowed !== true ||
      allowedPlan.dryRun !== true ||
      allowedPlan.artifact?.digest !== published.digest ||
      allowedPlan.previous?.version !== '0.1.1'
    ) {
      throw new BenchError(`dk promote --to int --dry-run --json: unexpected plan ${JSON.stringify(allowedPlan).slice(0, 1000)}`);
    }
    const refusedJson = await run(node, [dkBundle, ...promoteArgs('prod'), '--json'], { cwd: tmp });
    expectExit('dk promote --to prod --dry-run --json', refusedJson, 1);
    const refusedPlan = parseJson('dk promote --to prod --dry-run --json', refusedJson);
    const failedRules = (refusedPlan.results ?? []).filter((r) => !r.passed).map((r) => r.rule);
    if (refusedPlan.allowed !== false || !failedRules.includes('order')) {
      throw new BenchError(`dk promote --to prod: expected a refusal on the order rule, got ${JSON.stringify(refusedPlan).slice(0, 1000)}`);
    }
    const allowedText = await run(node, [dkBundle, ...promoteArgs('int')], { cwd: tmp });
    expectSuccess('dk promote --to int --dry-run', allowedText);
    checkAllowed(allowedText, 'dk promote --to int --dry-run');
    const rendered = /rendered change \(kustomize build\)/.test(allowedText.stdout)
      ? 'rendered'
      : (/rendered change: (.*)/.exec(allowedText.stdout)?.[1] ?? 'not rendered');
    console.log(
      `      status: ${statusSummary.packages} packages, ${statusSummary.entries} entries (${statusSummary.withDrift} with drift, ${statusSummary.pending} pending); ` +
        `promote --to int: allowed (${rendered}); --to prod: refused (${failedRules.join(', ')})`,
    );

    // 4. Timed rounds, then one peak-RSS run of each.
    const logArgs = [
      'log',
      '--first-parent',
      '--diff-merges=first-parent',
      '--no-renames',
      '--no-color',
      '--no-ext-diff',
      '--unified=0',
      '--format=%x01%H %ct',
      '-p',
      'HEAD',
      '--',
      ':(glob)envs/*/cells/*/apps/*/packagedeployment.yaml',
    ];
    const variants = {
      node: { label: 'node -e 0', command: node, args: ['-e', '0'] },
      lsTree: { label: 'git ls-tree -r HEAD', command: 'git', args: ['-C', clone, 'ls-tree', '-r', 'HEAD'] },
      logOneline: { label: 'git log --oneline', command: 'git', args: ['-C', clone, 'log', '--oneline'] },
      logPatch: { label: 'git log -p <deployments> (as dk status)', command: 'git', args: ['-C', clone, ...logArgs] },
      status: { label: 'dk status', ...dk('status', '--gitops', clone), check: checkStatusText },
      statusJson: { label: 'dk status -o json', ...dk('status', '--gitops', clone, '-o', 'json'), check: checkStatusJson },
      promote: { label: 'dk promote --to int --dry-run', ...dk(...promoteArgs('int')), check: checkAllowed },
      refused: { label: 'dk promote --to prod --dry-run (refused)', ...dk(...promoteArgs('prod')), exitCode: 1, check: checkRefused },
    };
    console.log(
      `[4/4] ${Object.keys(variants).length} commands: ${config.warmups} warm-up round(s), ${config.runs} interleaved rounds, then one peak-RSS run each`,
    );
    const timing = await measure(variants, { warmups: config.warmups, runs: config.runs, cwd: tmp });
    const rss = await peakRss(variants, { cwd: tmp, rssFile: haveGnuTime ? path.join(tmp, 'rss.txt') : undefined });
    if ((await git(['-C', bare, 'for-each-ref'])) !== refsBefore)
      throw new BenchError('a dry run changed the branches of the gitops origin');
    if ((await git(['-C', clone, 'status', '--porcelain'])) !== '') throw new BenchError('a dry run left changes in the gitops clone');

    // Report.
    const ratio = (name, ref) => round2(timing[name].medianMs / timing[ref].medianMs);
    const result = (name, targetSeconds) => {
      const pass = targetSeconds === undefined ? null : timing[name].medianMs / 1000 < targetSeconds;
      return {
        command: variants[name].label,
        ...timing[name],
        medianSeconds: round2(timing[name].medianMs / 1000),
        peakRssKB: rss[name],
        peakRssMB: rss[name] === null ? null : Math.round((rss[name] / 1024) * 10) / 10,
        ratioToNode: ratio(name, 'node'),
        ratioToLsTree: ratio(name, 'lsTree'),
        ratioToLogOneline: ratio(name, 'logOneline'),
        ...(targetSeconds === undefined ? {} : { targetSeconds, pass }),
      };
    };
    const measured = {
      status: result('status', targets.statusSeconds),
      statusJson: result('statusJson', targets.statusSeconds),
      promote: result('promote', targets.promoteDryRunSeconds),
      refused: result('refused', targets.promoteDryRunSeconds),
    };
    const references = Object.fromEntries(['node', 'lsTree', 'logOneline', 'logPatch'].map((n) => [n, result(n)]));

    const row = (name, r, target) => [
      r.command,
      ms(r.medianMs),
      ms(r.minMs),
      ms(r.maxMs),
      r.runs,
      rssMB(r.peakRssKB),
      name === 'node' ? '' : `${r.ratioToNode.toFixed(1)}x`,
      name === 'node' || name === 'lsTree' ? '' : `${r.ratioToLsTree.toFixed(1)}x`,
      target === undefined ? '' : `< ${target} s`,
      target === undefined ? '' : verdict(r.pass),
    ];
    console.log('');
    console.log(
      table([
        ['measurement', 'median', 'min', 'max', 'runs', 'peak RSS', '/ node -e 0', '/ git ls-tree', 'target', 'result'],
        ...Object.entries(references).map(([n, r]) => row(n, r)),
        row('status', measured.status, targets.statusSeconds),
        row('statusJson', measured.statusJson, targets.statusSeconds),
        row('promote', measured.promote, targets.promoteDryRunSeconds),
        row('refused', measured.refused, targets.promoteDryRunSeconds),
      ]),
    );
    console.log(
      `(${config.packages} packages × ${config.envs.length} envs, ${commitCount} commits; git log --oneline: ${ms(references.logOneline.medianMs)}, ` +
        `dk status = ${measured.status.ratioToLogOneline.toFixed(1)}x it; peak RSS includes the git${kubectl ? ' and kubectl' : ''} children dk waited for)`,
    );
    console.log('');

    const failures = [];
    for (const [name, r] of Object.entries(measured)) {
      if (r.pass === false) failures.push(`${variants[name].label} took ${seconds(r.medianMs)} (target < ${r.targetSeconds} s)`);
    }
    for (const failure of failures) console.log(`FAIL: ${failure}`);
    if (failures.length === 0) console.log('PASS: all targets met');

    await writeResults(resultsFile, {
      benchmark: 'dk promotion (status, promote --dry-run)',
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { ...machine, git: gitVersion, kubectl },
      config: { ...config, gnuTime: haveGnuTime },
      targets,
      repository,
      published,
      checks: { status: statusSummary, promoteInt: { allowed: true, rendered }, promoteProd: { allowed: false, failedRules } },
      references,
      ...measured,
      pass: failures.length === 0,
      failures,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

main().catch(reportBenchFailure);
