import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DataKitError } from '@datakit/sdk/core';

/** The only module of the app that reads the environment: Probot's standard variables plus DataKit's. */
export interface AppConfig {
  appId: number;
  /** PEM; never logged. */
  privateKey: string;
  /** WEBHOOK_SECRET first, then WEBHOOK_SECRETS (comma-separated, for rotation); never logged. */
  webhookSecrets: string[];
  /** The REST API root: https://api.github.com, or <GHE_PROTOCOL>://<GHE_HOST>/api/v3. */
  githubApiUrl: string;
  logLevel: LogLevel;
  host: string;
  port: number;
  webhookPath: string;
  /** DATAKIT_GITOPS_REPOSITORY (owner/name): the gitops repository when .github/datakit.yml names none. */
  gitopsRepository?: string;
  /** DATAKIT_REGISTRY (oci://host/prefix): where packages are published when .github/datakit.yml names none. */
  registry?: string;
  /** DATAKIT_REGISTRY_USERNAME / DATAKIT_REGISTRY_PASSWORD, passed to the registry client only; never logged. */
  registryEnv: Record<string, string | undefined>;
  /** DATAKIT_REGISTRY_PLAIN_HTTP=true: talk http to the registry (loopback hosts always do). */
  registryPlainHttp?: boolean;
  /** DATAKIT_RENDER_DIFF=false: no kubectl kustomize diff in promotion PR bodies. */
  renderDiff: boolean;
  /** KUBECTL: the kubectl binary for rendered diffs. */
  kubectl?: string;
  /** How many delivery ids are remembered to drop repeated deliveries. */
  deliveryCacheSize: number;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const logLevels: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** A configuration the app cannot start with; every problem is listed, values never are. */
export class AppConfigError extends DataKitError {
  constructor(readonly problems: readonly string[]) {
    super('DK800', `the DataKit app cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      hint: 'Set the variables named above (see charts/datakit-app/values.yaml and the README section "GitHub App").',
    });
  }
}

export interface ReadConfigOptions {
  /** Where PRIVATE_KEY_PATH is resolved. */
  cwd: string;
  readFile?: (file: string) => string;
}

export function readAppConfig(env: NodeJS.ProcessEnv, options: ReadConfigOptions): AppConfig {
  const problems: string[] = [];
  const readFile = options.readFile ?? ((file: string) => readFileSync(file, 'utf8'));

  const appIdText = (env.APP_ID ?? '').trim();
  const appId = Number(appIdText);
  if (appIdText === '') problems.push('APP_ID is not set (the GitHub App ID, a number)');
  else if (!/^\d+$/.test(appIdText) || appId <= 0) problems.push('APP_ID must be a positive integer (the GitHub App ID)');

  const privateKey = readPrivateKey(env, options.cwd, readFile, problems);

  const webhookSecrets = [env.WEBHOOK_SECRET ?? '', ...(env.WEBHOOK_SECRETS ?? '').split(',')]
    .map((s) => s.trim())
    .filter((s, i, all) => s !== '' && all.indexOf(s) === i);
  if (webhookSecrets.length === 0)
    problems.push('neither WEBHOOK_SECRET nor WEBHOOK_SECRETS is set: unsigned deliveries would be accepted');

  let githubApiUrl = 'https://api.github.com';
  const gheHost = (env.GHE_HOST ?? '').trim();
  if (gheHost !== '') {
    const protocol = (env.GHE_PROTOCOL ?? 'https').trim().replace(/:$/, '');
    if (protocol !== 'https' && protocol !== 'http') problems.push(`GHE_PROTOCOL must be https or http, not "${protocol}"`);
    if (/[/\s]/.test(gheHost)) problems.push('GHE_HOST must be a host name (and port), without scheme or path');
    githubApiUrl = `${protocol}://${gheHost}/api/v3`;
  }

  const logLevel = (env.LOG_LEVEL ?? 'info').trim().toLowerCase() as LogLevel;
  if (!logLevels.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')}`);

  const port = readInteger(env.PORT, 3000, 'PORT', 0, 65_535, problems);
  const deliveryCacheSize = readInteger(env.DATAKIT_DELIVERY_CACHE_SIZE, 10_000, 'DATAKIT_DELIVERY_CACHE_SIZE', 1, 10_000_000, problems);

  const webhookPath = (env.WEBHOOK_PATH ?? '/api/github/webhooks').trim();
  if (!webhookPath.startsWith('/')) problems.push('WEBHOOK_PATH must start with /');

  const gitopsRepository = (env.DATAKIT_GITOPS_REPOSITORY ?? '').trim();
  if (gitopsRepository !== '' && !/^[\w.-]+\/[\w.-]+$/.test(gitopsRepository)) {
    problems.push('DATAKIT_GITOPS_REPOSITORY must be owner/name');
  }
  const registry = (env.DATAKIT_REGISTRY ?? '').trim();
  const plainHttp = (env.DATAKIT_REGISTRY_PLAIN_HTTP ?? '').trim().toLowerCase();
  const render = (env.DATAKIT_RENDER_DIFF ?? 'true').trim().toLowerCase();

  if (problems.length > 0) throw new AppConfigError(problems);
  return {
    appId,
    privateKey,
    webhookSecrets,
    githubApiUrl,
    logLevel,
    host: (env.HOST ?? '0.0.0.0').trim() || '0.0.0.0',
    port,
    webhookPath,
    ...(gitopsRepository === '' ? {} : { gitopsRepository }),
    ...(registry === '' ? {} : { registry }),
    registryEnv: {
      DK_REGISTRY_USERNAME: env.DATAKIT_REGISTRY_USERNAME,
      DK_REGISTRY_PASSWORD: env.DATAKIT_REGISTRY_PASSWORD,
    },
    ...(plainHttp === 'true' || plainHttp === '1' ? { registryPlainHttp: true } : {}),
    renderDiff: !(render === 'false' || render === '0'),
    ...(env.KUBECTL ? { kubectl: env.KUBECTL } : {}),
    deliveryCacheSize,
  };
}

function readInteger(text: string | undefined, fallback: number, name: string, min: number, max: number, problems: string[]): number {
  if (text === undefined || text.trim() === '') return fallback;
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

/** PRIVATE_KEY (PEM, PEM with \n escapes, or base64 of a PEM) or PRIVATE_KEY_PATH, as Probot reads them. */
function readPrivateKey(env: NodeJS.ProcessEnv, cwd: string, readFile: (file: string) => string, problems: string[]): string {
  let text = env.PRIVATE_KEY ?? '';
  let where = 'PRIVATE_KEY';
  if (text.trim() === '' && env.PRIVATE_KEY_PATH) {
    where = `PRIVATE_KEY_PATH (${env.PRIVATE_KEY_PATH})`;
    try {
      text = readFile(path.resolve(cwd, env.PRIVATE_KEY_PATH));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${where} cannot be read (${code})`);
      return '';
    }
  }
  if (text.includes('\\n')) text = text.replace(/\\n/g, '\n');
  text = text.trim();
  if (text === '') {
    problems.push('neither PRIVATE_KEY nor PRIVATE_KEY_PATH is set (the GitHub App private key, PEM)');
    return '';
  }
  if (!text.startsWith('-----BEGIN')) {
    const decoded = Buffer.from(text, 'base64').toString('utf8').trim();
    if (decoded.startsWith('-----BEGIN')) text = decoded.replace(/\\n/g, '\n').trim();
  }
  if (!/^-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]+-----END \1PRIVATE KEY-----$/.test(text)) {
    problems.push(`${where} is not a PEM private key (-----BEGIN RSA PRIVATE KEY----- … -----END RSA PRIVATE KEY-----)`);
    return '';
  }
  return `${text}\n`;
}
