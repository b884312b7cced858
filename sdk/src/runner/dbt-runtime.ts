import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { DataKitError } from '../core/errors';
import type { RuntimeAdditions, RuntimeLocation } from './plan-runtime';
import type { RunPlan } from './run-plan';
import { resolveReferences } from './secrets';
import type { StoreSpec } from './store-address';

/** The dbt target DataKit writes and selects (the profile's default target). */
export const dbtTargetName = 'dk';

/**
 * The variables the generated profile reads with `{{ env_var('…') }}`. dbt scrubs variables named
 * DBT_ENV_SECRET_* from its output and its log files (logs/dbt.log), which dk's own masking of
 * stdout and stderr cannot reach.
 */
export const dbtSecretVariable = {
  user: 'DBT_ENV_SECRET_DK_USER',
  password: 'DBT_ENV_SECRET_DK_PASSWORD',
  host: 'DBT_ENV_SECRET_DK_HOST',
  dbname: 'DBT_ENV_SECRET_DK_DBNAME',
} as const;

/** Where dbt keeps target/ and logs/ in a container, whose package mount is read-only. */
export const dbtContainerScratch = '/tmp/dbt';

/** A Postgres Store resolved for dbt: values only, secrets included (never written to a file). */
export interface DbtConnection {
  /** The Store's name. */
  store: string;
  host: string;
  port: number;
  dbname: string;
  /** From the output DataSet's table (schema.table), else connection.schema, else public. */
  schema: string;
  user: string;
  password: string;
  sslmode?: string;
  /** Every secret string among the values above. */
  secrets: string[];
}

const postgresTypes = new Set(['postgres', 'postgresql']);
const urlKeys = ['url', 'dsn', 'uri', 'connection_string', 'connectionString'];

function text(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function pick(record: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = text(record[key]);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** The schema part of a DataSet table: `schema.table` or `database.schema.table`. */
export function schemaOfTable(table: string | undefined): string | undefined {
  const parts = table?.split('.') ?? [];
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

/**
 * The Store dbt builds into: the Postgres Store of the first output DataSet on one (else of any
 * DataSet), and the schema of that output's table.
 */
export function dbtConnection(plan: RunPlan, env: Readonly<Record<string, string | undefined>>): DbtConnection {
  const isPostgres = (name: string) => postgresTypes.has(plan.stores.find((s) => s.name === name)?.type ?? '');
  const output = plan.outputs.find((d) => isPostgres(d.store));
  const storeName = output?.store ?? plan.stores.find((s) => postgresTypes.has(s.type))?.name;
  const store = plan.stores.find((s) => s.name === storeName);
  if (!store) {
    throw new DataKitError('DK611', `${plan.packageName}: a dbt Transform needs a Postgres Store, and none of its DataSets is on one`, {
      hint: 'Put the output DataSet on a Store whose Connector has type: postgres (dbt builds its models there).',
    });
  }
  const connection = postgresConnection(store, env);
  const schema = schemaOfTable(output?.table) ?? pick(store.connection, 'schema') ?? 'public';
  return { ...connection, schema };
}

/** Host, port, database and credentials of a Postgres Store, from its URL or its fields, ${VAR} resolved. */
export function postgresConnection(store: StoreSpec, env: Readonly<Record<string, string | undefined>>): Omit<DbtConnection, 'schema'> {
  const where = `Store ${store.name}`;
  const secrets: string[] = [];
  const resolve = (value: string, secret: boolean) => {
    const resolved = resolveReferences(value, env, where);
    secrets.push(...resolved.secrets, ...(secret ? [resolved.value] : []));
    return resolved.value;
  };
  const explicit = pick(store.connection, ...urlKeys);
  const explicitSecret = explicit === undefined ? pick(store.secrets, ...urlKeys) : undefined;
  let result: Omit<DbtConnection, 'schema' | 'secrets'>;
  if (explicit !== undefined || explicitSecret !== undefined) {
    const raw = resolve((explicit ?? explicitSecret)!, explicitSecret !== undefined);
    let url: URL;
    try {
      url = new URL(raw);
    } catch (error) {
      throw new DataKitError('DK602', `${where}: the connection URL is not a valid postgresql:// URL`, { cause: error });
    }
    const password = decodeURIComponent(url.password);
    const user = decodeURIComponent(url.username);
    secrets.push(...[user, password].filter((s) => s !== ''));
    const sslmode = url.searchParams.get('sslmode') ?? pick(store.connection, 'sslmode');
    result = {
      store: store.name,
      host: url.hostname || 'localhost',
      port: portOf(url.port || '5432', where),
      dbname: decodeURIComponent(url.pathname.replace(/^\//, '')),
      user,
      password,
      ...(sslmode ? { sslmode } : {}),
    };
  } else {
    const c = store.connection;
    const userRef = pick(store.secrets, 'username', 'user');
    const passwordRef = pick(store.secrets, 'password');
    const sslmode = pick(c, 'sslmode');
    result = {
      store: store.name,
      host: resolve(pick(c, 'host', 'hostname') ?? 'localhost', false),
      port: portOf(pick(c, 'port') ?? '5432', where),
      dbname: resolve(pick(c, 'database', 'dbname', 'db') ?? '', false),
      user: userRef !== undefined ? resolve(userRef, true) : resolve(pick(c, 'username', 'user') ?? '', false),
      password: passwordRef !== undefined ? resolve(passwordRef, true) : '',
      ...(sslmode ? { sslmode } : {}),
    };
  }
  // Every secret the Store declares must be set, used here or not (as storeAddress does).
  for (const value of Object.values(store.secrets)) resolve(value, true);
  if (result.dbname === '') throw new DataKitError('DK602', `${where}: dbt needs the database name (connection.database)`);
  return { ...result, secrets: [...new Set(secrets.filter((s) => s !== ''))] };
}

function portOf(value: string, where: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new DataKitError('DK602', `${where}: port ${value} is not a TCP port`);
  return port;
}

/**
 * profiles.yml for one profile with one target. The user and the password — and the host or the
 * database if a secret appears in them — are read by dbt from the environment
 * (`{{ env_var('…') }}`); their values are returned in `env`, never written.
 */
export function renderDbtProfile(
  profileName: string,
  connection: DbtConnection,
  header = '',
): { content: string; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const fromEnv = (name: string, value: string) => {
    env[name] = value;
    return `{{ env_var('${name}') }}`;
  };
  const holdsSecret = (value: string) => connection.secrets.some((s) => s.length > 0 && value.includes(s));
  const output: Record<string, unknown> = {
    type: 'postgres',
    host: holdsSecret(connection.host) ? fromEnv(dbtSecretVariable.host, connection.host) : connection.host,
    port: connection.port,
    dbname: holdsSecret(connection.dbname) ? fromEnv(dbtSecretVariable.dbname, connection.dbname) : connection.dbname,
    schema: connection.schema,
    user: fromEnv(dbtSecretVariable.user, connection.user),
    password: fromEnv(dbtSecretVariable.password, connection.password),
    threads: 4,
    ...(connection.sslmode ? { sslmode: connection.sslmode } : {}),
  };
  const profile = { [profileName]: { target: dbtTargetName, outputs: { [dbtTargetName]: output } } };
  return { content: header + stringify(profile, { lineWidth: 0 }), env };
}

/** The profile dbt_project.yml names (`profile:`), else the package name with - and . as _. */
export async function readDbtProfileName(packageDir: string, packageName: string): Promise<string> {
  const fallback = packageName.replace(/[-.]/g, '_');
  for (const file of ['dbt_project.yml', 'dbt_project.yaml']) {
    let content: string;
    try {
      content = await readFile(path.join(packageDir, file), 'utf8');
    } catch {
      continue;
    }
    try {
      const project = parse(content) as unknown;
      const profile = project !== null && typeof project === 'object' ? (project as Record<string, unknown>).profile : undefined;
      return typeof profile === 'string' && profile !== '' ? profile : fallback;
    } catch {
      return fallback;
    }
  }
  return fallback;
}

export interface DbtRuntimeOptions {
  /** Where ${VAR} secrets are resolved: the run's environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** The profile name (readDbtProfileName). */
  profileName: string;
  location: RuntimeLocation;
}

/**
 * What a dbt run adds to a plan: profiles.yml (no secret in it) for the runtime directory,
 * DBT_PROFILES_DIR and the credentials as variables, and `dbt run --project-dir <package>`.
 */
export function dbtRuntime(plan: RunPlan, options: DbtRuntimeOptions): RuntimeAdditions {
  const connection = dbtConnection(plan, options.env);
  const header = [
    `# Generated by dk run for ${plan.packageName} (run ${plan.runId}) from Store ${connection.store}; removed after the run.`,
    '# Credentials are read from the environment (env_var), never written here.',
    '',
  ].join('\n');
  const profile = renderDbtProfile(options.profileName, connection, header);
  const { location } = options;
  return {
    runtime: 'dbt',
    executable: 'dbt',
    installAdvice: 'pip install dbt-postgres',
    files: { 'profiles.yml': profile.content },
    env: {
      ...profile.env,
      DBT_PROFILES_DIR: location.configDir,
      ...(location.container
        ? {
            DBT_TARGET_PATH: `${dbtContainerScratch}/target`,
            DBT_LOG_PATH: `${dbtContainerScratch}/logs`,
            // The profiles directory is mounted read-only: no anonymous-usage cookie can be written there.
            DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
          }
        : {}),
    },
    command: [...(location.container ? [] : ['dbt']), 'run', '--project-dir', location.projectDir],
    secrets: connection.secrets,
  };
}
