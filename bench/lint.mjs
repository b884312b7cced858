// Benchmarks `dk lint`: start-up cost on one scaffolded package (against a bare `node -e 0`) and
// the cost of `dk lint --scan-dir` on a generated tree of 500 packages (wall time and peak RSS).
//
// Run with `npm run bench:lint` (builds the CLI first). Prints a table and writes
// bench/results/lint.json. Benchmarks report, they don't gate: the exit code is 0 whenever the
// measurements could be taken, even if a target is missed (a FAIL line says so). It is non-zero
// only when the tool itself fails (the CLI is missing, `dk init` fails, the tree does not lint clean, …).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BenchError,
  expectSuccess,
  gnuTime,
  machineInfo,
  machineLine,
  ms,
  rssMB,
  run,
  runMeasured,
  sample,
  table,
  verdict,
  benchPaths,
  reportBenchFailure,
  writeResults,
} from './lib/harness.mjs';

const { repoRoot, dkBin, dkBundle, resultsFile } = benchPaths('lint');

const config = {
  warmups: Number(process.env.BENCH_WARMUPS ?? 3),
  runs: Number(process.env.BENCH_RUNS ?? 15),
  treePackages: Number(process.env.BENCH_TREE_PACKAGES ?? 500),
  treeRuns: Number(process.env.BENCH_TREE_RUNS ?? 5),
  /** Package i reads the output of package i-1 unless i is a multiple of this: chains of 4 packages. */
  chainLength: 4,
};
const targets = {
  singleRatio: 3.0,
  treeWallSeconds: 3.0,
  treePeakRssMB: 300,
};

// ---------------------------------------------------------------------------------------------
// The generated tree: one flat-layout package per folder

const pad = (i) => String(i).padStart(3, '0');

function packageFiles(i) {
  const n = pad(i);
  const kind = i % 2 === 0 ? 'file' : 'postgres';
  const input = `ds-${n}-in`;
  const output = `ds-${n}-out`;
  const upstream = i % config.chainLength !== 0 ? `ds-${pad(i - 1)}-out` : undefined;
  const store = `store-${n}`;
  const connector = `conn-${n}`;
  const where = (role) => (kind === 'file' ? [`  prefix: ${role}/`, '  format: jsonl'] : [`  table: public.pkg_${n}_${role}`]);
  const header = (k, name, versioned = true) => [
    'apiVersion: datakit.dev/v1alpha1',
    `kind: ${k}`,
    'metadata:',
    `  name: ${name}`,
    ...(k === 'Connector' ? [] : ['  namespace: bench']),
    ...(versioned ? ['  version: 1.0.0'] : []),
    'spec:',
  ];
  const files = new Map();
  files.set(
    'dk.yaml',
    [
      ...header('Transform', `pkg-${n}`),
      '  runtime: generic-node',
      '  mode: batch',
      `  description: Benchmark transform ${n}`,
      '  image: node:20-slim',
      '  command: ["node", "src/main.mjs"]',
      '  inputs:',
      `    - dataset: ${input}`,
      ...(upstream ? [`    - dataset: ${upstream}`, '      version: ^1.0.0'] : []),
      '  outputs:',
      `    - dataset: ${output}`,
      '  trigger:',
      `    policy: ${upstream ? 'on-change' : 'manual'}`,
      '  timeout: 10m',
      '',
    ].join('\n'),
  );
  files.set(
    `dataset/${input}.yaml`,
    [
      ...header('DataSet', input),
      `  store: ${store}`,
      ...where('input'),
      '  classification: confidential',
      '  schema:',
      '    - name: id',
      '      type: integer',
      '      nullable: false',
      '    - name: name',
      '      type: string',
      '    - name: email',
      '      type: string',
      '      pii: true',
      '    - name: created_at',
      '      type: timestamp',
      '',
    ].join('\n'),
  );
  files.set(
    `dataset/${output}.yaml`,
    [
      ...header('DataSet', output),
      `  store: ${store}`,
      ...where('output'),
      '  classification: internal',
      '  schema:',
      '    - name: id',
      '      type: integer',
      '      nullable: false',
      `      from: ${input}.id`,
      '    - name: name',
      '      type: string',
      `      from: ${input}.name`,
      '    - name: name_length',
      '      type: integer',
      '      description: Length of the name.',
      '',
    ].join('\n'),
  );
  files.set(
    `store/${store}.yaml`,
    [
      ...header('Store', store, false),
      `  connector: ${connector}`,
      '  connection:',
      ...(kind === 'file' ? ['    path: ./data'] : ['    host: localhost', '    port: 5432', '    database: datakit']),
      ...(kind === 'file' ? [] : ['  secrets:', '    username: ${PG_USER}', '    password: ${PG_PASSWORD}']),
      '',
    ].join('\n'),
  );
  files.set(
    `connector/${connector}.yaml`,
    [
      ...header('Connector', connector, false),
      `  type: ${kind}`,
      ...(kind === 'postgres' ? ['  protocol: postgresql'] : []),
      '  capabilities: [source, destination]',
      '',
    ].join('\n'),
  );
  return { name: `pkg-${n}`, files, chained: Boolean(upstream) };
}

async function generateTree(root, count) {
  let fileCount = 0;
  let edges = 0;
  for (let i = 0; i < count; i++) {
    const { name, files, chained } = packageFiles(i);
    if (chained) edges++;
    for (const [file, content] of files) {
      const full = path.join(root, name, file);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, content);
      fileCount++;
    }
  }
  return { packages: count, files: fileCount, crossPackageEdges: edges };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(dkBundle)) throw new BenchError(`${path.relative(repoRoot, dkBundle)} is missing: run \`npm run build:cli\` first`);
  const haveGnuTime = existsSync(gnuTime);
  const machine = machineInfo();
  const node = process.execPath;
  const startedAt = new Date().toISOString();

  console.log('dk lint benchmark');
  console.log(machineLine(machine));
  if (!haveGnuTime) console.log(`warning: ${gnuTime} not found: peak RSS is not measured`);
  console.log('');

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dk-bench-lint-'));
  const cleanup = () => rm(tmp, { recursive: true, force: true });
  const onSignal = (signal) => {
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const rssFile = haveGnuTime ? path.join(tmp, 'rss.txt') : undefined;

    // 1. Reference: a bare node start-up.
    console.log(`[1/3] reference: node -e 0 (${config.warmups} warm-ups, ${config.runs} runs)`);
    const reference = await sample('node -e 0', node, ['-e', '0'], { warmups: config.warmups, runs: config.runs, cwd: tmp });

    // 2. dk lint on one scaffolded package.
    const scaffold = await run(node, [dkBin, 'init', 'bench-pkg', '--runtime', 'generic-node'], { cwd: tmp });
    expectSuccess('dk init bench-pkg --runtime generic-node', scaffold);
    const single = path.join(tmp, 'bench-pkg');
    console.log(`[2/3] dk lint <scaffolded package> (${config.warmups} warm-ups, ${config.runs} runs)`);
    // Timed without GNU time in between, so the ratio compares like with like; peak RSS from one extra run.
    const lintSingle = await sample('dk lint', node, [dkBin, 'lint', single], { warmups: config.warmups, runs: config.runs, cwd: tmp });
    if (rssFile) {
      const measured = await runMeasured(node, [dkBin, 'lint', single], { cwd: tmp }, rssFile);
      expectSuccess('dk lint (peak RSS run)', measured);
      lintSingle.peakRssKB = measured.rssKB;
    }
    const ratio = Math.round((lintSingle.medianMs / reference.medianMs) * 100) / 100;

    // 3. dk lint --scan-dir on a generated tree.
    const tree = path.join(tmp, 'tree');
    const treeInfo = await generateTree(tree, config.treePackages);
    console.log(
      `[3/3] dk lint --scan-dir <tree of ${treeInfo.packages} packages, ${treeInfo.files} manifests, ` +
        `${treeInfo.crossPackageEdges} cross-package edges> (1 check run, ${config.treeRuns} runs)`,
    );
    const check = await run(node, [dkBin, 'lint', '--scan-dir', '--output', 'json', tree], { cwd: tmp });
    let summary;
    try {
      summary = JSON.parse(check.stdout).summary;
    } catch {
      summary = undefined;
    }
    expectSuccess('dk lint --scan-dir <tree> (check run: the generated tree must lint clean)', check);
    if (!summary) throw new BenchError(`dk lint --scan-dir --output json printed no JSON summary:\n${check.stdout.slice(0, 2000)}`);
    if (summary.manifests !== treeInfo.files) {
      throw new BenchError(`dk lint --scan-dir found ${summary.manifests} manifests in the tree, expected ${treeInfo.files}`);
    }
    const lintTree = await sample('dk lint --scan-dir', node, [dkBin, 'lint', '--scan-dir', tree], {
      warmups: 0,
      runs: config.treeRuns,
      cwd: tmp,
      rssFile,
    });

    // Report.
    const singlePass = ratio <= targets.singleRatio;
    const treeWallPass = lintTree.medianMs / 1000 < targets.treeWallSeconds;
    const treeRssMB = lintTree.peakRssKB === null ? null : Math.round((lintTree.peakRssKB / 1024) * 10) / 10;
    const treeRssPass = treeRssMB === null ? null : treeRssMB < targets.treePeakRssMB;

    console.log('');
    console.log(
      table([
        ['measurement', 'median', 'min', 'max', 'runs', 'value', 'target', 'result'],
        ['node -e 0 (reference)', ms(reference.medianMs), ms(reference.minMs), ms(reference.maxMs), reference.runs, '', '', ''],
        [
          'dk lint <package>',
          ms(lintSingle.medianMs),
          ms(lintSingle.minMs),
          ms(lintSingle.maxMs),
          lintSingle.runs,
          `${ratio.toFixed(2)}x ref`,
          `<= ${targets.singleRatio.toFixed(1)}x`,
          verdict(singlePass),
        ],
        [
          `dk lint --scan-dir (${treeInfo.packages} pkgs) wall`,
          ms(lintTree.medianMs),
          ms(lintTree.minMs),
          ms(lintTree.maxMs),
          lintTree.runs,
          `${(lintTree.medianMs / 1000).toFixed(2)} s`,
          `< ${targets.treeWallSeconds} s`,
          verdict(treeWallPass),
        ],
        [
          `dk lint --scan-dir (${treeInfo.packages} pkgs) peak RSS`,
          '',
          '',
          '',
          lintTree.runs,
          rssMB(lintTree.peakRssKB),
          `< ${targets.treePeakRssMB} MB`,
          verdict(treeRssPass),
        ],
      ]),
    );
    console.log(`(dk lint <package> peak RSS: ${rssMB(lintSingle.peakRssKB)}; tree check: ${JSON.stringify(summary)})`);
    console.log('');

    const failures = [];
    if (!singlePass) failures.push(`dk lint <package> is ${ratio.toFixed(2)}x node -e 0 (target <= ${targets.singleRatio}x)`);
    if (!treeWallPass)
      failures.push(`dk lint --scan-dir took ${(lintTree.medianMs / 1000).toFixed(2)} s (target < ${targets.treeWallSeconds} s)`);
    if (treeRssPass === false) failures.push(`dk lint --scan-dir peaked at ${treeRssMB} MB RSS (target < ${targets.treePeakRssMB} MB)`);
    for (const failure of failures) console.log(`FAIL: ${failure}`);
    if (failures.length === 0) console.log('PASS: all targets met');

    const results = {
      benchmark: 'dk lint',
      startedAt,
      finishedAt: new Date().toISOString(),
      machine,
      config: { ...config, gnuTime: haveGnuTime },
      targets,
      reference: { command: 'node -e 0', ...reference },
      lintPackage: { command: 'dk lint <scaffolded generic-node package>', ...lintSingle, ratioToReference: ratio, pass: singlePass },
      lintTree: {
        command: 'dk lint --scan-dir <tree>',
        tree: treeInfo,
        check: summary,
        ...lintTree,
        medianSeconds: Math.round(lintTree.medianMs) / 1000,
        peakRssMB: treeRssMB,
        pass: { wall: treeWallPass, peakRss: treeRssPass },
      },
      pass: failures.length === 0,
      failures,
    };
    await writeResults(resultsFile, results);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

main().catch(reportBenchFailure);
