/**
 * dk run in container mode against a real podman (REGISTRY-NOTES.md settings, in a sandbox per
 * file) with a local busybox image: no image is pulled. The CLI is driven in-process; the engine
 * inherits runEnvironment, which carries CONTAINERS_CONF and CONTAINERS_STORAGE_CONF.
 */
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectValidRunEvent } from '../../sdk/test/helpers/lineage';
import { createPodmanSandbox, podmanForTests, runCommand, type PodmanSandbox } from '../../sdk/test/helpers/podman';
import { runInProcess, type InProcessResult } from './helpers/run-in-process';

const podman = await podmanForTests();
const image = 'localhost/dk-busybox:test';

let sandbox: PodmanSandbox;
/** A directory with a `podman` wrapper that records its arguments, then runs the real podman. */
let wrapperBin: string;
let argvFile: string;
let cwd: string;

function dk(argv: string[], extraEnv: Record<string, string> = {}): Promise<InProcessResult> {
  return runInProcess(cwd, argv, {
    runEnvironment: { PATH: `${wrapperBin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: cwd, ...sandbox.env, ...extraEnv },
  });
}

interface Event {
  eventType: string;
  run: { runId: string; facets?: Record<string, { message?: string; stackTrace?: string }> };
}

async function events(): Promise<Event[]> {
  const parsed = (await readFile(path.join(cwd, 'events.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Event);
  for (const event of parsed) expectValidRunEvent(event);
  return parsed;
}

/** The transform: a busybox shell script reading DK_INPUT_… and DK_OUTPUT_… and the file store's address. */
const transformScript = `set -eu
root="\${DK_STORE_DSN_LOCAL#file://}"
prefix() { echo "$1" | sed -n 's/.*"prefix":"\\([^"]*\\)".*/\\1/p'; }
in_dir="$root/$(prefix "$DK_INPUT_DEMO_INPUT")"
out_dir="$root/$(prefix "$DK_OUTPUT_DEMO_OUTPUT")"
mkdir -p "$out_dir"
cat "$in_dir"*.jsonl > "$out_dir/part-0000.jsonl"
echo "demo: wrote $(wc -l < "$out_dir/part-0000.jsonl") rows"
echo "inside: container=\${container:-none} cwd=$(pwd)"
if touch /work/probe 2>/dev/null; then echo "package: writable"; else echo "package: read-only"; fi
`;

/** dk init demo, made to run `sh transform.sh` in `packageImage`. */
async function initPackage(packageImage = image, script = transformScript): Promise<void> {
  const init = await dk(['init', 'demo', '--runtime', 'generic-node']);
  expect(init.code, init.stderr).toBe(0);
  const dkYaml = path.join(cwd, 'demo/dk.yaml');
  const original = await readFile(dkYaml, 'utf8');
  const changed = original
    .replace('image: node:20-slim', `image: ${packageImage}`)
    .replace('command: ["node", "src/main.mjs"]', 'command: ["sh", "transform.sh"]');
  expect(changed).not.toBe(original);
  await writeFile(dkYaml, changed);
  await writeFile(path.join(cwd, 'demo/transform.sh'), script);
}

async function recordedArgv(): Promise<string[]> {
  return (await readFile(argvFile, 'utf8')).split('\n').filter((l) => l !== '');
}

describe.skipIf(!podman.ok)('dk run in a container (podman)', () => {
  beforeAll(async () => {
    sandbox = await createPodmanSandbox();
    await sandbox.importBusyboxImage(image);
    wrapperBin = path.join(sandbox.dir, 'wrapper-bin');
    argvFile = path.join(sandbox.dir, 'podman-argv');
    const real = (await runCommand('sh', ['-c', 'command -v podman'], process.env)).stdout.trim();
    await runCommand('mkdir', ['-p', wrapperBin], process.env);
    await writeFile(path.join(wrapperBin, 'podman'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argvFile}'\nexec '${real}' "$@"\n`);
    await chmod(path.join(wrapperBin, 'podman'), 0o755);
  });
  afterAll(async () => {
    await sandbox?.remove();
  });
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'dk-run-container-'));
    await rm(argvFile, { force: true });
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('runs the package in the image: outputs written through the read-write file store, package read-only, START/COMPLETE', async () => {
    await initPackage();
    const result = await dk(['run', 'demo', '--engine', 'podman', '--lineage', 'file:events.jsonl']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('demo: wrote 3 rows');
    expect(result.stdout).toContain(`inside: container=podman cwd=/work`);
    expect(result.stdout).toContain('package: read-only');
    await expect(stat(path.join(cwd, 'demo/probe'))).rejects.toThrow();
    const output = await readFile(path.join(cwd, 'demo/data/output/part-0000.jsonl'), 'utf8');
    expect(output).toBe(await readFile(path.join(cwd, 'demo/data/input/sample.jsonl'), 'utf8'));

    const argv = await recordedArgv();
    expect(argv.slice(0, 3)).toEqual(['run', '--rm', '--name']);
    expect(argv[3]).toMatch(/^dk-[0-9a-f-]{36}$/);
    expect(argv).toEqual(
      expect.arrayContaining([
        '-v',
        `${path.join(cwd, 'demo')}:/work:ro`,
        '-v',
        `${path.join(cwd, 'demo/data')}:${path.join(cwd, 'demo/data')}`,
      ]),
    );
    expect(argv.slice(-3)).toEqual([image, 'sh', 'transform.sh']);

    const [start, complete, ...rest] = await events();
    expect(rest).toEqual([]);
    expect(start!.eventType).toBe('START');
    expect(complete!.eventType).toBe('COMPLETE');
    expect(complete!.run.runId).toBe(start!.run.runId);
  });

  it('an image that does not exist: non-zero exit, a FAIL event and the engine’s reason', async () => {
    await initPackage('localhost/dk-no-such-image:1');
    const result = await dk(['run', 'demo', '--engine', 'podman', '--lineage', 'file:events.jsonl']);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain('localhost/dk-no-such-image:1: image not known');
    expect(result.stderr).toContain('dk: DK605: demo failed: exited with code 125');
    const all = await events();
    expect(all.map((e) => e.eventType)).toEqual(['START', 'FAIL']);
    expect(all[1]!.run.facets!.errorMessage!.message).toBe('exited with code 125');
    expect(all[1]!.run.facets!.errorMessage!.stackTrace).toContain('image not known');
    await expect(stat(path.join(cwd, 'demo/data/output/part-0000.jsonl'))).rejects.toThrow();
  });

  it('a Store ${VAR} secret reaches the container’s environment, but neither dk’s output nor the podman command line', async () => {
    const password = 'Ctr-S3cr3t-pw-42';
    const user = 'dk-ctr-user';
    await initPackage(
      image,
      `${transformScript}env > "$root/env.txt"\necho "dsn=$DK_STORE_DSN_PG"\necho "pw-in-stderr=$DK_STORE_DSN_PG" >&2\n`,
    );
    await writeFile(
      path.join(cwd, 'demo/store/pg.yaml'),
      'apiVersion: datakit.dev/v1alpha1\nkind: Store\nmetadata:\n  name: pg\nspec:\n  connector: postgres\n  connection:\n    host: db\n    database: app\n  secrets:\n    username: ${PG_USER}\n    password: ${PG_PASSWORD}\n',
    );
    await writeFile(
      path.join(cwd, 'demo/dataset/demo-ref.yaml'),
      'apiVersion: datakit.dev/v1alpha1\nkind: DataSet\nmetadata:\n  name: demo-ref\n  version: 0.1.0\nspec:\n  store: pg\n  table: public.ref\n  classification: internal\n  schema:\n    - name: id\n      type: integer\n',
    );
    const dkYaml = path.join(cwd, 'demo/dk.yaml');
    await writeFile(
      dkYaml,
      (await readFile(dkYaml, 'utf8')).replace('    - dataset: demo-input\n', '    - dataset: demo-input\n    - dataset: demo-ref\n'),
    );

    const result = await dk(['run', 'demo', '--engine', 'podman', '--lineage', 'file:events.jsonl'], {
      PG_USER: user,
      PG_PASSWORD: password,
    });
    expect(result.code, result.stderr).toBe(0);
    // Inside: the address with the credentials, from the engine's environment.
    const inside = await readFile(path.join(cwd, 'demo/data/env.txt'), 'utf8');
    expect(inside).toContain(`DK_STORE_DSN_PG=postgresql://${user}:${password}@db:5432/app`);
    // dk's output: masked.
    expect(result.stdout).toContain('dsn=postgresql://****:****@db:5432/app');
    expect(result.stderr).toContain('pw-in-stderr=postgresql://****:****@db:5432/app');
    const printed = result.stdout + result.stderr + (await readFile(path.join(cwd, 'events.jsonl'), 'utf8'));
    expect(printed).not.toContain(password);
    expect(printed).not.toContain(user);
    // The command line: names only.
    const argv = await recordedArgv();
    expect(argv.join(' ')).not.toContain(password);
    expect(argv.join(' ')).not.toContain(user);
    const passed = argv.flatMap((a, i) => (argv[i - 1] === '-e' ? [a] : []));
    expect(passed).toContain('DK_STORE_DSN_PG');
    expect(passed.every((name) => /^[A-Z_][A-Z0-9_]*$/.test(name))).toBe(true);
  });

  it('a timeout stops the container through the engine (SIGTERM forwarded): exit 124 and a FAIL event', async () => {
    // PID 1 ignores signals it does not handle, so the script traps TERM, as a transform should.
    await initPackage(image, 'trap "echo stopping; exit 143" TERM\necho started\nsleep 30 &\nwait\n');
    const started = Date.now();
    const result = await dk(['run', 'demo', '--engine', 'podman', '--timeout', '1s', '--lineage', 'file:events.jsonl']);
    expect(result.code).toBe(124);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(result.stdout).toContain('stopping');
    expect(result.stderr).toContain('timed out after 1 s');
    expect((await events()).map((e) => e.eventType)).toEqual(['START', 'FAIL']);
  });

  it('a container whose PID 1 ignores SIGTERM is still stopped on timeout (engine stop), not left running', async () => {
    await initPackage(image, 'trap "" TERM\necho started\nsleep 60\n');
    const started = Date.now();
    const result = await dk(['run', 'demo', '--engine', 'podman', '--timeout', '1s', '--lineage', 'file:events.jsonl']);
    expect(result.code).toBe(124);
    expect(Date.now() - started).toBeLessThan(20_000);
    const [, fail] = await events();
    expect(fail!.eventType).toBe('FAIL');
    const name = `dk-${fail!.run.runId}`;
    // engine stop returns once the container is gone (--rm removes it).
    for (
      let i = 0;
      i < 50 && (await sandbox.podman(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}'])).stdout.trim() !== '';
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await sandbox.podman(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}'])).stdout.trim()).toBe('');
  });
});
