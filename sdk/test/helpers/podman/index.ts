/**
 * Real podman for tests, isolated per sandbox: a containers.conf and a storage.conf in a temp dir
 * (the settings REGISTRY-NOTES.md measured on this machine: host network, cgroupfs, runc, file
 * events, raised ulimits, vfs storage, and no pulls), and local images imported from a busybox
 * rootfs built from busybox-static — no image can be pulled here.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion, never throwing on a non-zero exit. */
export function runCommand(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) || (error && typeof error.code !== 'number' ? error.message : '') });
    });
  });
}

/** The applets the test images link to busybox. */
export const busyboxApplets = [
  'sh',
  'cat',
  'echo',
  'env',
  'ls',
  'sleep',
  'mkdir',
  'sed',
  'grep',
  'wc',
  'cut',
  'tr',
  'touch',
  'printf',
  'head',
  'tail',
  'test',
  'true',
  'false',
  'id',
  'pwd',
  'rm',
  'cp',
  'mv',
  'sort',
  'tee',
];

const busyboxCandidates = ['/bin/busybox', '/usr/bin/busybox'];

/** True when the ELF file has no program interpreter (PT_INTERP): a static binary that runs in an empty rootfs. */
export function isStaticElf(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return false; // 64-bit little-endian ELF only
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === 3) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}

/** The static busybox binary of busybox-static, or why there is none. */
export function findStaticBusybox(): { file: string } | { reason: string } {
  const file = busyboxCandidates.find((f) => existsSync(f));
  if (!file) return { reason: 'busybox is not installed (apt-get install busybox-static)' };
  if (!isStaticElf(file)) return { reason: `${file} is dynamically linked; the test images need busybox-static` };
  return { file };
}

/** Whether podman can run here: installed, with a static busybox to build images from. */
export async function podmanAvailability(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const version = await runCommand('podman', ['--version'], process.env, 10_000);
  if (version.code !== 0) return { ok: false, reason: `podman is not usable: ${version.stderr.trim() || `exit ${version.code}`}` };
  const busybox = findStaticBusybox();
  if ('reason' in busybox) return { ok: false, reason: busybox.reason };
  return { ok: true };
}

export interface ImageFile {
  content: string | Buffer;
  /** Default 0644; 0755 for scripts. */
  mode?: number;
}

/** A rootfs tar: bin/busybox, a symlink per applet, /tmp (1777), /etc, /work, and `files` (path → content). */
export async function busyboxRootfsTar(busybox: string, files: Record<string, ImageFile> = {}): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  const add = (header: Partial<tar.Header> & { name: string }, content?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      const full = { ...header, mtime: new Date(0), uid: 0, gid: 0 };
      if (content === undefined) pack.entry(full, done).end(undefined);
      else pack.entry(full, content, done);
    });
  for (const dir of ['bin', 'etc', 'work', 'dk']) await add({ name: `${dir}/`, type: 'directory', mode: 0o755 });
  await add({ name: 'tmp/', type: 'directory', mode: 0o1777 });
  await add({ name: 'bin/busybox', mode: 0o755 }, await readFile(busybox));
  for (const applet of busyboxApplets) await add({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox', mode: 0o777 });
  for (const [name, file] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    await add({ name, mode: file.mode ?? 0o644 }, Buffer.from(file.content));
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

export interface PodmanSandbox {
  readonly dir: string;
  /**
   * What podman needs in its environment to use this sandbox: CONTAINERS_CONF and
   * CONTAINERS_STORAGE_CONF. Add it to the environment dk's runs inherit (runEnvironment).
   */
  readonly env: Record<string, string>;
  /** podman with the sandbox's configuration. */
  podman(args: readonly string[]): Promise<CommandResult>;
  /**
   * Imports a busybox image (`podman import`) under `reference` (use localhost/…, fully qualified,
   * so that no registry is searched), with extra files, an optional entrypoint and user.
   */
  importBusyboxImage(
    reference: string,
    options?: { files?: Record<string, ImageFile>; entrypoint?: string[]; user?: string },
  ): Promise<string>;
  /** Removes every container, then the sandbox (storage, configuration, state). */
  remove(): Promise<void>;
}

/** A fresh podman configuration and storage in a temp dir. */
export async function createPodmanSandbox(): Promise<PodmanSandbox> {
  const busybox = findStaticBusybox();
  if ('reason' in busybox) throw new Error(busybox.reason);
  const dir = await mkdtemp(path.join(tmpdir(), 'dk-podman-'));
  const containersConf = path.join(dir, 'containers.conf');
  const storageConf = path.join(dir, 'storage.conf');
  await writeFile(
    containersConf,
    [
      '[containers]',
      'netns = "host"',
      'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      'runtime = "runc"',
      // Nothing can be pulled here: a missing image fails at once instead of after three retries.
      'pull_policy = "never"',
      `tmp_dir = "${path.join(dir, 'libpod')}"`,
      '',
    ].join('\n'),
  );
  await writeFile(
    storageConf,
    ['[storage]', 'driver = "vfs"', `graphroot = "${path.join(dir, 'graph')}"`, `runroot = "${path.join(dir, 'run')}"`, ''].join('\n'),
  );
  const env = { CONTAINERS_CONF: containersConf, CONTAINERS_STORAGE_CONF: storageConf };
  const podman = (args: readonly string[]) => runCommand('podman', args, { ...process.env, ...env });
  return {
    dir,
    env,
    podman,
    async importBusyboxImage(reference, options = {}) {
      const tarFile = path.join(dir, 'images', `${reference.replace(/[^A-Za-z0-9_.-]/g, '_')}.tar`);
      await mkdir(path.dirname(tarFile), { recursive: true });
      await writeFile(tarFile, await busyboxRootfsTar(busybox.file, options.files));
      const changes = [
        ...(options.entrypoint ? ['--change', `ENTRYPOINT ${JSON.stringify(options.entrypoint)}`] : []),
        ...(options.user ? ['--change', `USER ${options.user}`] : []),
      ];
      const imported = await podman(['import', ...changes, tarFile, reference]);
      if (imported.code !== 0) throw new Error(`podman import ${reference} failed (${imported.code}): ${imported.stderr}`);
      return reference;
    },
    async remove() {
      await podman(['rm', '--all', '--force', '--time', '0']);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * podmanAvailability for a test file: logs why the podman tests are skipped, and throws in CI
 * (CI=true), where .ci/run installs podman and a skip would hide a broken setup.
 */
export async function podmanForTests(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const availability = await podmanAvailability();
  if (!availability.ok) {
    if (process.env.CI === 'true') throw new Error(`podman is required in CI: ${availability.reason}`);
    console.warn(`podman tests skipped: ${availability.reason}`);
  }
  return availability;
}
