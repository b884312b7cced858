import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DataKitError, systemErrorCode } from '../core/errors';

/** A user name and a password or token. `source` says where it came from, for messages; never the secret. */
export interface RegistryCredential {
  username: string;
  secret: string;
  source: string;
}

/** Looks up the credential for a registry host (host[:port]); undefined means anonymous. */
export type CredentialProvider = (host: string) => Promise<RegistryCredential | undefined>;

/** Runs `docker-credential-<name> get` for `host`; undefined when the helper has nothing for it. */
export type CredentialHelperRunner = (name: string, host: string) => Promise<{ username: string; secret: string } | undefined>;

export interface CredentialLookupOptions {
  env: Record<string, string | undefined>;
  /** Default: $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json, else none. */
  dockerConfigPath?: string;
  /** Default: spawns docker-credential-<name> found on env.PATH. */
  runCredentialHelper?: CredentialHelperRunner;
}

export const credentialsErrorCode = 'DK529';

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/**
 * Credentials in this order: DK_REGISTRY_USERNAME/DK_REGISTRY_PASSWORD (for every host), the
 * Docker config (credHelpers for the host, an inline auths entry, then credsStore), and finally
 * GITHUB_TOKEN for ghcr.io.
 */
export function createCredentialProvider(options: CredentialLookupOptions): CredentialProvider {
  const { env } = options;
  const configPath = options.dockerConfigPath ?? defaultDockerConfigPath(env);
  const runHelper = options.runCredentialHelper ?? dockerCredentialHelperRunner(env);
  let config: Promise<DockerConfig | undefined> | undefined;

  return async (host) => {
    const fromEnv = environmentCredential(env);
    if (fromEnv) return fromEnv;

    config ??= configPath === undefined ? Promise.resolve(undefined) : readDockerConfig(configPath);
    const docker = await config;
    if (docker && configPath !== undefined) {
      const found = await dockerConfigCredential(docker, configPath, host, runHelper);
      if (found) return found;
    }

    const githubToken = env.GITHUB_TOKEN;
    if (hostKey(host) === 'ghcr.io' && githubToken) {
      return { username: env.GITHUB_ACTOR || 'x-access-token', secret: githubToken, source: 'GITHUB_TOKEN' };
    }
    return undefined;
  };
}

function environmentCredential(env: Record<string, string | undefined>): RegistryCredential | undefined {
  const username = env.DK_REGISTRY_USERNAME;
  const password = env.DK_REGISTRY_PASSWORD;
  if (!username && !password) return undefined;
  if (!username || !password) {
    const missing = username ? 'DK_REGISTRY_PASSWORD' : 'DK_REGISTRY_USERNAME';
    throw new DataKitError(credentialsErrorCode, `${missing} is not set, but its partner is: set both or neither`, {
      hint: 'Set DK_REGISTRY_USERNAME and DK_REGISTRY_PASSWORD together.',
    });
  }
  return { username, secret: password, source: 'DK_REGISTRY_USERNAME/DK_REGISTRY_PASSWORD' };
}

function defaultDockerConfigPath(env: Record<string, string | undefined>): string | undefined {
  if (env.DOCKER_CONFIG) return path.join(env.DOCKER_CONFIG, 'config.json');
  const home = env.HOME ?? env.USERPROFILE;
  return home ? path.join(home, '.docker', 'config.json') : undefined;
}

async function readDockerConfig(file: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (systemErrorCode(error) === 'ENOENT') return undefined;
    throw new DataKitError(credentialsErrorCode, `cannot read the Docker config ${file}: ${systemErrorCode(error) ?? String(error)}`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // The parser's message quotes the text around the error, which may be a secret.
    throw new DataKitError(credentialsErrorCode, `the Docker config ${file} is not valid JSON`, {
      hint: 'Fix or remove the file (docker login rewrites it).',
      cause: new Error(error instanceof SyntaxError ? 'JSON syntax error' : 'unreadable'),
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DataKitError(credentialsErrorCode, `the Docker config ${file} is not a JSON object`);
  }
  return parsed as DockerConfig;
}

async function dockerConfigCredential(
  config: DockerConfig,
  configPath: string,
  host: string,
  runHelper: CredentialHelperRunner,
): Promise<RegistryCredential | undefined> {
  const key = hostKey(host);
  const helper = Object.entries(config.credHelpers ?? {}).find(([server]) => hostKey(server) === key)?.[1];
  if (helper) return fromHelper(helper, host, runHelper);

  for (const [server, entry] of Object.entries(config.auths ?? {})) {
    if (hostKey(server) !== key || typeof entry !== 'object' || entry === null) continue;
    const inline = inlineCredential(entry, server, configPath);
    if (inline) return inline;
  }

  if (config.credsStore) return fromHelper(config.credsStore, host, runHelper);
  return undefined;
}

function inlineCredential(
  entry: { auth?: string; username?: string; password?: string },
  server: string,
  configPath: string,
): RegistryCredential | undefined {
  const source = `${configPath} (auths.${server})`;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new DataKitError(credentialsErrorCode, `${source}: "auth" is not base64 of user:password`, {
        hint: `Run docker login ${server} again, or fix the entry.`,
      });
    }
    return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1), source };
  }
  if (entry.username && entry.password) return { username: entry.username, secret: entry.password, source };
  return undefined;
}

async function fromHelper(name: string, host: string, runHelper: CredentialHelperRunner): Promise<RegistryCredential | undefined> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new DataKitError(credentialsErrorCode, `credential helper name ${JSON.stringify(name)} is not a plain program name`);
  }
  const key = hostKey(host);
  const found = await runHelper(name, key === 'index.docker.io' ? 'https://index.docker.io/v1/' : host);
  return found ? { ...found, source: `docker-credential-${name}` } : undefined;
}

/** Docker writes keys as host, https://host or https://host/v1/; Docker Hub has several names. */
function hostKey(server: string): string {
  const bare = server
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return bare === 'docker.io' || bare === 'registry-1.docker.io' ? 'index.docker.io' : bare;
}

/** The real helper protocol: `docker-credential-<name> get`, host on stdin, JSON on stdout. */
export function dockerCredentialHelperRunner(env: Record<string, string | undefined>): CredentialHelperRunner {
  return (name, host) =>
    new Promise((resolve, reject) => {
      const program = `docker-credential-${name}`;
      const child = spawn(program, ['get'], { env: definedOnly(env), stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error) => {
        const reason =
          systemErrorCode(error) === 'ENOENT' ? 'is not on PATH' : `could not be started (${systemErrorCode(error) ?? 'error'})`;
        reject(new DataKitError(credentialsErrorCode, `credential helper ${program} ${reason}`, { cause: error }));
      });
      child.on('close', (code) => {
        const message = Buffer.concat(stderr).toString('utf8').trim() || Buffer.concat(stdout).toString('utf8').trim();
        if (code !== 0) {
          if (/credentials not found/i.test(message)) resolve(undefined);
          else
            reject(
              new DataKitError(credentialsErrorCode, `credential helper ${program} failed for ${host} (exit code ${code ?? 'signal'})`),
            );
          return;
        }
        try {
          resolve(parseHelperOutput(program, Buffer.concat(stdout).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
      child.stdin.on('error', () => {}); // a helper that exits without reading stdin is reported on close
      child.stdin.end(host);
    });
}

function parseHelperOutput(program: string, text: string): { username: string; secret: string } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DataKitError(credentialsErrorCode, `credential helper ${program} printed something that is not JSON`);
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { Username?: unknown; Secret?: unknown };
  if (typeof record.Secret !== 'string' || record.Secret === '') return undefined;
  return { username: typeof record.Username === 'string' ? record.Username : '', secret: record.Secret };
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
