import os from 'node:os';
import path from 'node:path';

/** The only module of the CLI that reads the environment. */
export interface CliConfig {
  /** Colour is used only on a TTY and never with NO_COLOR. */
  color: boolean;
  /** Progress bars: on a TTY only. */
  progress: boolean;
  cwd: string;
  debug: boolean;
  /** DK_REGISTRY: the default publish target. */
  registry?: string;
  /** SOURCE_DATE_EPOCH (seconds), for reproducible `created` dates. */
  sourceDateEpoch?: number;
  /** Registry credentials and settings, passed to the registry client, never logged. */
  registryEnv: Record<string, string | undefined>;
  dockerConfigPath: string;
  /** Where user-level settings live ($XDG_CONFIG_HOME/datakit/config.yaml). */
  userConfigFile: string;
  /** The environment a transform inherits and where its ${VAR} secrets are resolved (dk run). */
  runEnvironment: Record<string, string>;
  /** OPENLINEAGE_URL: where lineage goes when --lineage is not given. */
  openLineageUrl?: string;
  /** OPENLINEAGE_API_KEY: bearer token for the lineage backend. */
  openLineageToken?: string;
  /** DK_GITOPS: the gitops repository (a checkout, a git URL or github:owner/repo). */
  gitops?: string;
  /** DK_GITHUB_TOKEN, else GITHUB_TOKEN: for github:owner/repo gitops repositories. Never logged. */
  githubToken?: string;
  /** GITHUB_API_URL (GitHub Enterprise), default https://api.github.com. */
  githubApiUrl?: string;
  /** $XDG_CACHE_HOME/datakit: clones of remote gitops repositories. */
  cacheDir: string;
}

export function readCliConfig(env: NodeJS.ProcessEnv, stdoutIsTty: boolean, cwd: string, stderrIsTty = stdoutIsTty): CliConfig {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== '';
  const home = env.HOME ?? os.homedir();
  const epoch = env.SOURCE_DATE_EPOCH;
  const config: CliConfig = {
    color: !noColor && (stdoutIsTty || forced) && env.TERM !== 'dumb',
    progress: stderrIsTty && env.TERM !== 'dumb' && env.CI !== 'true',
    cwd,
    debug: env.DK_DEBUG === '1',
    registryEnv: {
      DK_REGISTRY_USERNAME: env.DK_REGISTRY_USERNAME,
      DK_REGISTRY_PASSWORD: env.DK_REGISTRY_PASSWORD,
      GITHUB_TOKEN: env.GITHUB_TOKEN,
    },
    dockerConfigPath: path.join(env.DOCKER_CONFIG ?? path.join(home, '.docker'), 'config.json'),
    userConfigFile: path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'datakit', 'config.yaml'),
    cacheDir: path.join(env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'datakit'),
    runEnvironment: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string')),
  };
  if (env.DK_REGISTRY) config.registry = env.DK_REGISTRY;
  if (env.DK_GITOPS) config.gitops = env.DK_GITOPS;
  const githubToken = env.DK_GITHUB_TOKEN || env.GITHUB_TOKEN;
  if (githubToken) config.githubToken = githubToken;
  if (env.GITHUB_API_URL) config.githubApiUrl = env.GITHUB_API_URL;
  if (env.OPENLINEAGE_URL) config.openLineageUrl = env.OPENLINEAGE_URL;
  if (env.OPENLINEAGE_API_KEY) config.openLineageToken = env.OPENLINEAGE_API_KEY;
  if (epoch !== undefined && /^\d+$/.test(epoch)) config.sourceDateEpoch = Number(epoch);
  return config;
}
