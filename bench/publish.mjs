// Benchmarks `dk build` + `dk publish` of a package holding one large random file (1 GiB by
// default) against a reference made of standard tools doing the same job:
//
//   reference  tar --sort=name … | gzip -n -6, the layer written to a file while hashed (and the
//              uncompressed tar hashed too, for the config's diff_ids, as dk does), an OCI image
//              layout written around it, then `skopeo copy oci:… docker://…` to the registry;
//   dk         `dk build <pkg>` then `dk publish <pkg> --registry oci://…` (which reuses the layers
//              `dk build` made);
//   unchanged  `dk publish` again: must upload nothing (pushed=false) and take under a second.
//
// Both push to a CNCF distribution registry (docker-registry) started here on 127.0.0.1 with its
// storage in the benchmark's temp directory, a fresh one (new port, empty storage) per round: so
// every round pushes into empty repositories, and skopeo's blob info cache (root: /var/lib/containers/
// cache, keyed by registry host:port) cannot turn a later round's upload into a cross-repo mount.
// Everything the runs write (package, layouts, registry storage) is in that one temp directory, on
// one disk; it is removed at the end, also on SIGINT/SIGTERM.
//
// Fairness: the random file is generated once; before each measured phase the benchmark runs
// `sync` (so the previous phase's dirty pages are not written back during the next one) and reads
// the file once (so every phase starts with it in the page cache). With one round the reference
// runs first, then dk; with BENCH_ROUNDS > 1 the order alternates (odd rounds reference first,
// even rounds dk first) and the table shows medians.
//
// Peak RSS is GNU time's %M (maximum resident set size of a process). For the reference every
// stage of the shell pipeline runs under its own /usr/bin/time, and so does the `bash -c` around
// it and skopeo; the reported figure is the largest of these (the max over the processes; on
// Linux the %M of the `bash -c` wrapper is already the max over everything it waited for). The
// pipeline's stages run at the same time, so their sum is printed too, as the pipeline's total.
// For dk it is the larger of the `dk build` and `dk publish` processes.
//
// Run with `npm run bench:publish` (builds the CLI first). Environment: BENCH_SIZE_MB (default
// 1024), BENCH_ROUNDS (default 1), BENCH_REPUBLISH_RUNS (default 3), BENCH_TMPDIR (default the OS
// temp directory). Prints a table and writes bench/results/publish.json. Like bench/lint.mjs it
// reports, it doesn't gate: the exit code is 0 whenever the measurements could be taken, even if a
// target is missed (a FAIL line says so), and non-zero only when the benchmark itself fails.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BenchError,
  expectSuccess,
  gnuTime,
  killChildren,
  machineInfo,
  machineLine,
  readRssFile,
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

const { repoRoot, dkBin, dkBundle, resultsFile } = benchPaths('publish');
const registryBin = '/usr/bin/docker-registry';
const skopeoBin = '/usr/bin/skopeo';

const positiveInt = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new BenchError(`${name} must be a positive integer, got ${process.env[name]}`);
  return value;
};

const config = {
  sizeMB: positiveInt('BENCH_SIZE_MB', 1024),
  rounds: positiveInt('BENCH_ROUNDS', 1),
  republishRuns: positiveInt('BENCH_REPUBLISH_RUNS', 3),
  tmpRoot: process.env.BENCH_TMPDIR ?? os.tmpdir(),
  packageName: 'pkg',
  bigFile: 'big.bin',
  referenceTag: '1.0.0',
  gzipLevel: 6,
};
const targets = {
  /** dk build + publish wall time over the reference's. */
  wallRatio: 1.0,
  /** What we aim for, reported but not judged. */
  wallRatioAim: 0.5,
  peakRssMB: 256,
  republishSeconds: 1.0,
};

const MiB = 2 ** 20;
const mediaTypes = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

// ---------------------------------------------------------------------------------------------
// Small helpers

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
const sha256Hex = (bytes) => createHash('sha256').update(bytes).digest('hex');
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const round2 = (x) => Math.round(x * 100) / 100;
const seconds = (msValue) => `${(msValue / 1000).toFixed(2)} s`;
const median = (values) => stats(values).medianMs;

function parseJsonOutput(what, result) {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new BenchError(`${what} printed no JSON:\n${(result.stdout + result.stderr).slice(0, 2000)}`);
  }
}

/** A port nobody listens on right now (the registry binds it a moment later). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One HTTP request to the local registry; resolves with status and headers (the body is discarded). */
function httpRequest(method, url, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers, timeout: 5000 }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers }));
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${url} timed out`)));
    request.on('error', reject);
    request.end();
  });
}

/** Reads a file once to the end (to put it in the page cache); resolves with the throughput in MB/s. */
async function readThrough(file) {
  const start = nowMs();
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB })) bytes += chunk.length;
  return bytes / MiB / ((nowMs() - start) / 1000);
}

/** The first line of `command --version`, or 'unknown'. */
async function toolVersion(command, args = ['--version']) {
  const result = await run(command, args).catch(() => undefined);
  const text = result ? (result.stdout || result.stderr).trim() : '';
  return text.split('\n')[0] || 'unknown';
}

// ---------------------------------------------------------------------------------------------
// The registry

async function startRegistry(dir) {
  const port = await freePort();
  const storage = path.join(dir, 'storage');
  await mkdir(storage, { recursive: true });
  const configFile = path.join(dir, 'config.yml');
  await writeFile(
    configFile,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const logFile = path.join(dir, 'registry.log');
  const log = openSync(logFile, 'w');
  let child;
  try {
    child = spawn(registryBin, ['serve', configFile], { stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let alive = true;
  void exited.then(() => (alive = false));
  const failure = async (why) => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    return new BenchError(`${why}; its log:\n${text.trim().split('\n').slice(-20).join('\n')}`);
  };
  const registry = {
    port,
    host: `127.0.0.1:${port}`,
    pid: child.pid,
    storage,
    async stop() {
      if (!alive) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited, sleep(5000).then(() => undefined)]);
      if (!stopped && alive) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!alive) throw await failure(`docker-registry exited before it answered on ${registry.host}`);
    const answer = await httpRequest('GET', `http://${registry.host}/v2/`).catch(() => undefined);
    if (answer?.status === 200) return registry;
    if (Date.now() > deadline) {
      await registry.stop();
      throw await failure(`docker-registry did not answer 200 on http://${registry.host}/v2/ within 15 s`);
    }
    await sleep(50);
  }
}

/** The digest the registry holds for repo:tag (an OCI manifest), or undefined. */
async function registryManifestDigest(registry, repository, tag) {
  const answer = await httpRequest('HEAD', `http://${registry.host}/v2/${repository}/manifests/${tag}`, { accept: mediaTypes.manifest });
  return answer.status === 200 ? answer.headers['docker-content-digest'] : undefined;
}

// ---------------------------------------------------------------------------------------------
// The reference: tar | gzip -n -6 (+ hashes), an OCI layout, skopeo copy

/**
 * The archive step as one bash script. Every stage runs under GNU time (peak RSS per process);
 * the uncompressed tar goes through a FIFO to a second sha256sum (the diff id), like dk's.
 */
function referenceScript(pkgDir, work) {
  const t = (name) => `${gnuTime} -f %M -o ${shq(path.join(work, `rss-${name}`))}`;
  const fifo = path.join(work, 'tar.fifo');
  return [
    'set -euo pipefail',
    `mkfifo ${shq(fifo)}`,
    `${t('sha256sum-tar')} sha256sum < ${shq(fifo)} > ${shq(path.join(work, 'diff-id'))} &`,
    `${t('tar')} tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C ${shq(pkgDir)} -cf - . \\`,
    `  | ${t('tee-tar')} tee ${shq(fifo)} \\`,
    `  | ${t('gzip')} gzip -n -${config.gzipLevel} \\`,
    `  | ${t('tee-layer')} tee ${shq(path.join(work, 'layer.tar.gz'))} \\`,
    `  | ${t('sha256sum-layer')} sha256sum > ${shq(path.join(work, 'digest'))}`,
    'wait',
  ].join('\n');
}
const referenceStages = ['tar', 'tee-tar', 'sha256sum-tar', 'gzip', 'tee-layer', 'sha256sum-layer'];

async function writeJsonBlob(layout, value, mediaType) {
  const bytes = Buffer.from(JSON.stringify(value));
  const hex = sha256Hex(bytes);
  await writeFile(path.join(layout, 'blobs', 'sha256', hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

/** An OCI image layout around the layer the archive step wrote: config, manifest, index.json, oci-layout. */
async function writeReferenceLayout(work, layout) {
  const firstWord = async (file) => (await readFile(path.join(work, file), 'utf8')).trim().split(/\s+/)[0];
  const layerHex = await firstWord('digest');
  const diffIdHex = await firstWord('diff-id');
  if (!/^[0-9a-f]{64}$/.test(layerHex) || !/^[0-9a-f]{64}$/.test(diffIdHex)) throw new BenchError('sha256sum wrote no digest');
  await mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  const layerFile = path.join(layout, 'blobs', 'sha256', layerHex);
  await rename(path.join(work, 'layer.tar.gz'), layerFile);
  const layer = { mediaType: mediaTypes.layer, digest: `sha256:${layerHex}`, size: (await stat(layerFile)).size };
  const imageConfig = await writeJsonBlob(
    layout,
    {
      architecture: process.arch === 'x64' ? 'amd64' : process.arch,
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [`sha256:${diffIdHex}`] },
    },
    mediaTypes.config,
  );
  const manifest = await writeJsonBlob(
    layout,
    { schemaVersion: 2, mediaType: mediaTypes.manifest, config: imageConfig, layers: [layer] },
    mediaTypes.manifest,
  );
  const index = {
    schemaVersion: 2,
    manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': config.referenceTag } }],
  };
  await writeFile(path.join(layout, 'index.json'), JSON.stringify(index));
  await writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  return { layer: { ...layer, diffId: `sha256:${diffIdHex}` }, manifest };
}

async function runReference(ctx, round) {
  const work = path.join(ctx.tmp, `reference-r${round}`);
  const layout = path.join(work, 'layout');
  await mkdir(work, { recursive: true });
  const repository = 'reference/pkg';
  const destination = `docker://${ctx.registry.host}/${repository}:${config.referenceTag}`;
  const script = referenceScript(ctx.pkgDir, work);

  const start = nowMs();
  const archive = await runMeasured('bash', ['-c', script], { cwd: work, group: true }, path.join(work, 'rss-bash'));
  expectSuccess('reference: tar | gzip | sha256sum', archive);
  const layoutStart = nowMs();
  const written = await writeReferenceLayout(work, layout);
  const layoutMs = nowMs() - layoutStart;
  const copy = await runMeasured(
    skopeoBin,
    ['--insecure-policy', 'copy', '--dest-tls-verify=false', `oci:${layout}:${config.referenceTag}`, destination],
    { cwd: work, group: true },
    path.join(work, 'rss-skopeo'),
  );
  expectSuccess(`reference: skopeo copy oci:… ${destination}`, copy);
  const wallMs = nowMs() - start;

  const stageRssKB = {};
  for (const stage of referenceStages) stageRssKB[stage] = await readRssFile(path.join(work, `rss-${stage}`));
  const known = Object.values(stageRssKB).filter((kb) => kb !== null);
  const pushedDigest = await registryManifestDigest(ctx.registry, repository, config.referenceTag);
  if (!pushedDigest) throw new BenchError(`reference: the registry has no ${repository}:${config.referenceTag} after skopeo copy`);
  await rm(work, { recursive: true, force: true });
  return {
    wallMs: round2(wallMs),
    archiveMs: round2(archive.ms),
    layoutMs: round2(layoutMs),
    copyMs: round2(copy.ms),
    peakRssKB: Math.max(archive.rssKB ?? 0, copy.rssKB ?? 0, ...known) || null,
    rssKB: { bashWrapper: archive.rssKB, stages: stageRssKB, pipelineSum: known.reduce((a, b) => a + b, 0) || null, skopeo: copy.rssKB },
    layer: written.layer,
    manifestDigest: written.manifest.digest,
    registryDigest: pushedDigest,
    destination,
  };
}

// ---------------------------------------------------------------------------------------------
// dk: build, publish, publish again

/** The layers of the manifest `digest` in dk's build layout. */
async function dkLayers(cwd, digest) {
  const blob = path.join(cwd, '.dk', 'build', config.packageName, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  const manifest = JSON.parse(await readFile(blob, 'utf8'));
  return manifest.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }));
}

async function runDk(ctx, round) {
  // A fresh working directory per round: dk keeps its build layout and layer cache under <cwd>/.dk.
  const cwd = path.join(ctx.tmp, `dk-r${round}`);
  await mkdir(cwd, { recursive: true });
  const prefix = 'bench';
  const registryUrl = `oci://${ctx.registry.host}/${prefix}`;
  const rssFile = path.join(cwd, 'rss.txt');
  const node = process.execPath;

  const start = nowMs();
  const build = await runMeasured(node, [dkBin, 'build', ctx.pkgDir, '--json'], { cwd, group: true }, rssFile);
  expectSuccess('dk build', build);
  const publish = await runMeasured(
    node,
    [dkBin, 'publish', ctx.pkgDir, '--registry', registryUrl, '--json'],
    { cwd, group: true },
    rssFile,
  );
  expectSuccess('dk publish', publish);
  const wallMs = nowMs() - start;

  const built = parseJsonOutput('dk build --json', build);
  const published = parseJsonOutput('dk publish --json', publish);
  if (published.pushed !== true) throw new BenchError(`dk publish to a fresh repository reported pushed=${published.pushed}`);
  if (published.digest !== built.digest) throw new BenchError(`dk publish pushed ${published.digest}, dk build made ${built.digest}`);
  const repository = `${prefix}/${published.name}`;
  const pushedDigest = await registryManifestDigest(ctx.registry, repository, published.version);
  if (pushedDigest !== built.digest) {
    throw new BenchError(
      `the registry holds ${pushedDigest ?? 'nothing'} for ${repository}:${published.version}, dk built ${built.digest}`,
    );
  }
  return {
    cwd,
    registryUrl,
    wallMs: round2(wallMs),
    buildMs: round2(build.ms),
    publishMs: round2(publish.ms),
    peakRssKB: Math.max(build.rssKB ?? 0, publish.rssKB ?? 0) || null,
    rssKB: { build: build.rssKB, publish: publish.rssKB },
    digest: built.digest,
    version: published.version,
    layers: await dkLayers(cwd, built.digest),
    destination: `${registryUrl}/${published.name}:${published.version}`,
  };
}

async function runRepublish(ctx, dk) {
  const runs = [];
  for (let i = 0; i < config.republishRuns; i++) {
    const result = await runMeasured(
      process.execPath,
      [dkBin, 'publish', ctx.pkgDir, '--registry', dk.registryUrl, '--json'],
      { cwd: dk.cwd, group: true },
      path.join(dk.cwd, 'rss.txt'),
    );
    expectSuccess(`dk publish (unchanged, run ${i + 1})`, result);
    const published = parseJsonOutput('dk publish --json (unchanged)', result);
    if (published.digest !== dk.digest)
      throw new BenchError(`dk publish (unchanged) reported ${published.digest}, the first publish ${dk.digest}`);
    runs.push({ ms: round2(result.ms), rssKB: result.rssKB, pushed: published.pushed });
  }
  await rm(dk.cwd, { recursive: true, force: true });
  return runs;
}

// ---------------------------------------------------------------------------------------------

let interrupted = false;

async function main() {
  for (const [file, what] of [
    [dkBundle, `${path.relative(repoRoot, dkBundle)} is missing: run \`npm run build:cli\` first`],
    [gnuTime, `${gnuTime} (GNU time) is missing`],
    [registryBin, `${registryBin} is missing (apt-get install docker-registry)`],
    [skopeoBin, `${skopeoBin} is missing (apt-get install skopeo)`],
  ]) {
    if (!existsSync(file)) throw new BenchError(what);
  }
  const machine = machineInfo();
  const startedAt = new Date().toISOString();
  const tools = {
    tar: await toolVersion('tar'),
    gzip: await toolVersion('gzip'),
    skopeo: await toolVersion(skopeoBin),
    registry: await toolVersion(registryBin),
  };

  console.log('dk publish benchmark');
  console.log(machineLine(machine));
  console.log(`tools: ${tools.tar}; ${tools.gzip}; ${tools.skopeo}; ${tools.registry}`);

  await mkdir(config.tmpRoot, { recursive: true });
  const fs = await statfs(config.tmpRoot);
  const freeMB = Math.floor((fs.bavail * fs.bsize) / MiB);
  // The file, the reference's layer and registry copy, dk's layout and registry copy, a round at a time.
  const neededMB = config.sizeMB * 6 + 512;
  if (freeMB < neededMB) throw new BenchError(`${config.tmpRoot} has ${freeMB} MB free; this benchmark needs about ${neededMB} MB`);
  const tmp = await mkdtemp(path.join(config.tmpRoot, 'dk-bench-publish-'));
  const df = await run('df', ['-P', tmp]).catch(() => undefined);
  const disk = df?.stdout.trim().split('\n')[1]?.split(/\s+/) ?? [];
  machine.disk = { tmp, device: disk[0] ?? 'unknown', mountedOn: disk[5] ?? 'unknown', freeMB };
  console.log(`disk: ${tmp} on ${machine.disk.device} (${machine.disk.mountedOn}), ${freeMB} MB free`);
  console.log('');

  let registry;
  let cleaned;
  const cleanup = () =>
    (cleaned ??= (async () => {
      killChildren('SIGTERM');
      await registry?.stop().catch(() => undefined);
      await rm(tmp, { recursive: true, force: true });
    })());
  const onSignal = (signal) => {
    interrupted = true;
    console.error(`\nbench: ${signal}: stopping the registry and removing ${tmp}`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // Setup (not measured): package, random file; a registry per round (below).
    const scaffold = await run(process.execPath, [dkBin, 'init', config.packageName, '--runtime', 'generic-node'], { cwd: tmp });
    expectSuccess(`dk init ${config.packageName} --runtime generic-node`, scaffold);
    const pkgDir = path.join(tmp, config.packageName);
    const bigFile = path.join(pkgDir, config.bigFile);
    const generated = await run(
      'dd',
      ['if=/dev/urandom', `of=${bigFile}`, 'bs=1M', `count=${config.sizeMB}`, 'iflag=fullblock', 'status=none'],
      { group: true },
    );
    expectSuccess('dd if=/dev/urandom', generated);
    const bigBytes = (await stat(bigFile)).size;
    if (bigBytes !== config.sizeMB * MiB) throw new BenchError(`${bigFile} has ${bigBytes} bytes, expected ${config.sizeMB * MiB}`);
    console.log(
      `[setup] dk init ${config.packageName}; ${config.bigFile}: ${config.sizeMB} MiB from /dev/urandom in ${seconds(generated.ms)}`,
    );

    const ctx = { tmp, pkgDir, registry: undefined };
    /** Untimed: flush what earlier steps wrote, then read the big file so that it is in the page cache. */
    const settle = async () => {
      expectSuccess('sync', await run('sync', []));
      return readThrough(bigFile);
    };

    const rounds = [];
    for (let r = 1; r <= config.rounds; r++) {
      const order = r % 2 === 1 ? ['reference', 'dk'] : ['dk', 'reference'];
      const result = { round: r, order };
      // A fresh registry (new port, empty storage) every round: each round pushes to empty
      // repositories, and skopeo's blob info cache (which remembers where it pushed a blob, by
      // registry host:port, and would mount it from there instead of uploading) knows nothing.
      registry = await startRegistry(path.join(tmp, `registry-r${r}`));
      ctx.registry = registry;
      console.log(
        `[round ${r}/${config.rounds}] docker-registry on http://${registry.host} (pid ${registry.pid}), storage in the temp directory`,
      );
      for (const which of order) {
        const warmMBs = await settle();
        const tag = `[round ${r}/${config.rounds}] ${which}`;
        if (which === 'reference') {
          console.log(
            `${tag}: tar | gzip -n -${config.gzipLevel} | sha256sum, OCI layout, skopeo copy (warm read ${warmMBs.toFixed(0)} MB/s)`,
          );
          result.reference = await runReference(ctx, r);
          console.log(`  ${seconds(result.reference.wallMs)}, peak RSS ${rssMB(result.reference.peakRssKB)}`);
        } else {
          console.log(`${tag}: dk build, dk publish, dk publish again x${config.republishRuns} (warm read ${warmMBs.toFixed(0)} MB/s)`);
          result.dk = await runDk(ctx, r);
          result.republish = await runRepublish(ctx, result.dk);
          console.log(
            `  ${seconds(result.dk.wallMs)}, peak RSS ${rssMB(result.dk.peakRssKB)}; again: ` +
              result.republish.map((x) => `${seconds(x.ms)} pushed=${x.pushed}`).join(', '),
          );
        }
      }
      rounds.push(result);
      await registry.stop();
      await rm(path.join(tmp, `registry-r${r}`), { recursive: true, force: true });
    }

    // Summary: medians over the rounds.
    const pick = (f) => rounds.map(f);
    const sum = {
      referenceWall: stats(pick((r) => r.reference.wallMs)),
      referenceArchive: stats(pick((r) => r.reference.archiveMs)),
      referenceCopy: stats(pick((r) => r.reference.copyMs + r.reference.layoutMs)),
      referencePeakRssKB: Math.max(...pick((r) => r.reference.peakRssKB ?? 0)) || null,
      referencePipelineSumKB: Math.max(...pick((r) => r.reference.rssKB.pipelineSum ?? 0)) || null,
      dkWall: stats(pick((r) => r.dk.wallMs)),
      dkBuild: stats(pick((r) => r.dk.buildMs)),
      dkPublish: stats(pick((r) => r.dk.publishMs)),
      dkPeakRssKB: Math.max(...pick((r) => r.dk.peakRssKB ?? 0)) || null,
      republish: stats(rounds.flatMap((r) => r.republish.map((x) => x.ms))),
      republishPeakRssKB: Math.max(...rounds.flatMap((r) => r.republish.map((x) => x.rssKB ?? 0))) || null,
      republishPushed: rounds.flatMap((r) => r.republish.map((x) => x.pushed)),
    };
    const ratio = round2(median(rounds.map((r) => r.dk.wallMs / r.reference.wallMs)));
    const mbps = (msValue) => `${(config.sizeMB / (msValue / 1000)).toFixed(1)} MiB/s`;
    const wallPass = ratio <= targets.wallRatio;
    const dkRssMB = sum.dkPeakRssKB === null ? null : round2(sum.dkPeakRssKB / 1024);
    const rssPass = dkRssMB === null ? null : dkRssMB <= targets.peakRssMB;
    const republishNoop = sum.republishPushed.every((p) => p === false);
    const republishPass = sum.republish.medianMs / 1000 < targets.republishSeconds && republishNoop;
    const row = (label, s, value = '', target = '', result = '') => [
      label,
      seconds(s.medianMs),
      seconds(s.minMs),
      seconds(s.maxMs),
      s.runs,
      value,
      target,
      result,
    ];

    const first = rounds[0];
    const contentLayer = first.dk.layers[first.dk.layers.length - 1];
    console.log('');
    console.log(
      table([
        ['measurement', 'median', 'min', 'max', 'runs', 'value', 'target', 'result'],
        row(`reference: tar | gzip -${config.gzipLevel} | sha256sum`, sum.referenceArchive, mbps(sum.referenceArchive.medianMs)),
        row('reference: OCI layout + skopeo copy', sum.referenceCopy),
        row('reference: total wall', sum.referenceWall, mbps(sum.referenceWall.medianMs)),
        ['reference: peak RSS (max over processes)', '', '', '', rounds.length, rssMB(sum.referencePeakRssKB), '', ''],
        row('dk build', sum.dkBuild, mbps(sum.dkBuild.medianMs)),
        row('dk publish (after build)', sum.dkPublish, mbps(sum.dkPublish.medianMs)),
        row(
          'dk build + publish: wall',
          sum.dkWall,
          `${ratio.toFixed(2)}x ref`,
          `<= ${targets.wallRatio.toFixed(1)}x (aim ${targets.wallRatioAim}x)`,
          verdict(wallPass),
        ),
        ['dk build + publish: peak RSS', '', '', '', rounds.length, rssMB(sum.dkPeakRssKB), `<= ${targets.peakRssMB} MB`, verdict(rssPass)],
        row(
          'dk publish (unchanged)',
          sum.republish,
          `${seconds(sum.republish.medianMs)}, pushed=${republishNoop ? 'false' : 'true'}`,
          `< ${targets.republishSeconds} s, pushed=false`,
          verdict(republishPass),
        ),
      ]),
    );
    console.log(
      `(${config.bigFile}: ${config.sizeMB} MiB random; layer: reference ${first.reference.layer.size} bytes, ` +
        `dk content ${contentLayer.size} bytes; reference pipeline stages together ${rssMB(sum.referencePipelineSumKB)} RSS, ` +
        `skopeo ${rssMB(first.reference.rssKB.skopeo)}; dk build ${rssMB(first.dk.rssKB.build)}, publish ${rssMB(first.dk.rssKB.publish)}, ` +
        `publish unchanged ${rssMB(sum.republishPeakRssKB)}; order: ${rounds.map((r) => r.order.join(' then ')).join('; ')})`,
    );
    console.log('');

    const failures = [];
    if (!wallPass)
      failures.push(`dk build + publish took ${ratio.toFixed(2)}x the reference's wall time (target <= ${targets.wallRatio}x)`);
    if (rssPass === false) failures.push(`dk build + publish peaked at ${dkRssMB} MB RSS (target <= ${targets.peakRssMB} MB)`);
    if (!republishNoop) failures.push('dk publish of an unchanged package reported pushed=true');
    if (sum.republish.medianMs / 1000 >= targets.republishSeconds) {
      failures.push(`dk publish of an unchanged package took ${seconds(sum.republish.medianMs)} (target < ${targets.republishSeconds} s)`);
    }
    for (const failure of failures) console.log(`FAIL: ${failure}`);
    if (failures.length === 0) console.log('PASS: all targets met');
    if (wallPass && ratio > targets.wallRatioAim)
      console.log(`note: ${ratio.toFixed(2)}x is within the target but above the ${targets.wallRatioAim}x aim`);

    const results = {
      benchmark: 'dk publish',
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      tools,
      config: { ...config, bigFileBytes: bigBytes },
      targets,
      method: {
        order: 'reference then dk in odd rounds, dk then reference in even rounds; sync and a read of the file before each phase',
        reference:
          `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C <pkg> -cf - . | tee <fifo: sha256sum> | ` +
          `gzip -n -${config.gzipLevel} | tee layer.tar.gz | sha256sum (one bash -c, every stage under GNU time); ` +
          `an OCI layout written in-process; skopeo --insecure-policy copy --dest-tls-verify=false ` +
          `oci:<layout>:${config.referenceTag} docker://<registry>/reference/pkg:${config.referenceTag}`,
        dk: 'node cli/bin/dk.js build <pkg> --json; node cli/bin/dk.js publish <pkg> --registry oci://<registry>/bench --json',
        peakRss:
          'GNU time %M per process; reference: max over the pipeline stages, the bash -c wrapper and skopeo; dk: max of build and publish',
      },
      rounds,
      summary: {
        reference: {
          ...sum.referenceWall,
          archive: sum.referenceArchive,
          layoutAndCopy: sum.referenceCopy,
          peakRssKB: sum.referencePeakRssKB,
        },
        dk: {
          ...sum.dkWall,
          build: sum.dkBuild,
          publish: sum.dkPublish,
          peakRssKB: sum.dkPeakRssKB,
          peakRssMB: dkRssMB,
          ratioToReference: ratio,
          pass: { wall: wallPass, peakRss: rssPass },
        },
        republish: { ...sum.republish, peakRssKB: sum.republishPeakRssKB, pushed: sum.republishPushed, pass: republishPass },
      },
      pass: failures.length === 0,
      failures,
    };
    await writeResults(resultsFile, results);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) await cleanup();
  }
}

main().catch((error) => {
  if (!interrupted) reportBenchFailure(error);
});
