import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeServerCertificate, makeSigningCertificate, type TlsFiles } from './certs';
import { freePort, run } from './process';
import { startTokenServer, type TokenServer, type TokenServerOptions } from './token-server';

/**
 * A real CNCF distribution registry (`docker-registry`, apt package docker-registry) on
 * 127.0.0.1, with its storage, config and certificates in a temp directory.
 */
export interface RegistryOptions {
  auth?: 'htpasswd' | 'token';
  tls?: boolean;
  deleteEnabled?: boolean;
  /** For auth: 'token': which actions the token server grants. */
  grant?: TokenServerOptions['grant'];
}

export interface TestRegistry {
  /** 127.0.0.1:<port> */
  host: string;
  port: number;
  /** http(s)://127.0.0.1:<port> */
  url: string;
  username: string;
  password: string;
  /** The CA that signed the TLS certificate (tls: true). */
  caFile: string | undefined;
  tokenServer: TokenServer | undefined;
  /** Where the registry stores a blob's bytes (to corrupt them in tests). */
  blobPath(digest: string): string;
  /** What the registry logged, for failing tests. */
  log(): string;
  stop(): Promise<void>;
}

const service = 'dk-test-registry';
const issuer = 'dk-test-issuer';

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dk-registry-'));
  const username = 'dk-user';
  const password = `pw-${randomBytes(9).toString('hex')}`;
  let tokenServer: TokenServer | undefined;
  try {
    const tls = options.tls ? await makeServerCertificate(dir) : undefined;
    const lines = [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${JSON.stringify(path.join(dir, 'data'))}`,
      '  delete:',
      `    enabled: ${options.deleteEnabled === true}`,
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
    ];
    if (options.auth === 'htpasswd') {
      const file = path.join(dir, 'htpasswd');
      await writeFile(file, await run('htpasswd', ['-Bbn', username, password]));
      lines.push('auth:', '  htpasswd:', '    realm: dk-test', `    path: ${JSON.stringify(file)}`);
    } else if (options.auth === 'token') {
      const signing = await makeSigningCertificate(dir);
      tokenServer = await startTokenServer({
        issuer,
        service,
        users: { [username]: password },
        ...signing,
        ...(options.grant ? { grant: options.grant } : {}),
      });
      lines.push(
        'auth:',
        '  token:',
        `    realm: ${JSON.stringify(tokenServer.realm)}`,
        `    service: ${service}`,
        `    issuer: ${issuer}`,
        `    rootcertbundle: ${JSON.stringify(signing.certFile)}`,
      );
    }

    const { child, port, output, exited } = await launch(dir, lines, tls);
    const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;

    return {
      host: `127.0.0.1:${port}`,
      port,
      url,
      username,
      password,
      caFile: tls?.caFile,
      tokenServer,
      blobPath: (digest) => {
        const hex = digest.slice('sha256:'.length);
        return path.join(dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
      },
      log: () => output.join(''),
      stop: async () => {
        await stopProcess(child, exited);
        await tokenServer?.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await tokenServer?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

interface Launched {
  child: ChildProcess;
  port: number;
  output: string[];
  exited: Promise<void>;
}

/** Writes the config with a free port and starts the registry; tries other ports if one was taken meanwhile. */
async function launch(dir: string, lines: readonly string[], tls: TlsFiles | undefined): Promise<Launched> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = path.join(dir, 'config.yml');
    const http = ['http:', `  addr: 127.0.0.1:${port}`, `  secret: ${randomBytes(16).toString('hex')}`];
    if (tls) http.push('  tls:', `    certificate: ${JSON.stringify(tls.certFile)}`, `    key: ${JSON.stringify(tls.keyFile)}`);
    await writeFile(config, `${[...lines, ...http].join('\n')}\n`);

    const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const spawned = new Promise<void>((_resolve, reject) =>
      child.once('error', (error) => reject(new Error(`cannot run docker-registry (apt-get install docker-registry): ${error.message}`))),
    );
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      await Promise.race([waitUntilServing(`${tls ? 'https' : 'http'}://127.0.0.1:${port}`, tls?.caFile, child), spawned]);
      return { child, port, output, exited };
    } catch (error) {
      child.kill('SIGKILL');
      await exited;
      const log = output.join('');
      if (attempt < 3 && /address already in use/.test(log)) continue;
      throw new Error(`docker-registry did not start: ${(error as Error).message}\n${log}`);
    }
  }
}

async function waitUntilServing(url: string, caFile: string | undefined, child: ChildProcess): Promise<void> {
  const ca = caFile ? await readFile(caFile) : undefined;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    // Ours, not whatever else may have taken the port: distribution names its API version.
    if ((await answers(`${url}/v2/`, ca)) && child.exitCode === null) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('GET /v2/ did not answer within 15 s');
}

function answers(url: string, ca: Buffer | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const request = (url.startsWith('https') ? https : http).get(url, ca ? { ca } : {}, (response) => {
      response.resume();
      resolve(response.headers['docker-distribution-api-version'] === 'registry/2.0');
    });
    request.on('error', () => resolve(false));
  });
}

async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
