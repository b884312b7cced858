import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataKitError } from '../core/errors';
import { resolveReferences, type ResolvedValue } from './secrets';

/** A Store as the runner needs it: its connector type, connection and secrets (unresolved). */
export interface StoreSpec {
  name: string;
  type: string;
  connection: Record<string, unknown>;
  secrets: Record<string, string>;
  /** Where relative paths of the Store (a file store's path) start: its package directory. */
  baseDir: string;
}

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

/**
 * The address a transform connects to (DK_STORE_DSN_<NAME>), with secrets resolved from `env` at
 * run time. The secret strings are returned so that every printed form can mask them.
 */
export function storeAddress(store: StoreSpec, env: Readonly<Record<string, string | undefined>>): ResolvedValue {
  const where = `Store ${store.name}`;
  const resolve = (value: string) => resolveReferences(value, env, where);
  // Every secret the Store declares must be set, used in the address or not: fail before the run starts.
  const allSecrets = Object.values(store.secrets).flatMap((value) => {
    const resolved = resolve(value);
    return [...resolved.secrets, resolved.value];
  });
  const secretsUsed: string[] = [];
  const secret = (...keys: string[]): string | undefined => {
    const raw = pick(store.secrets, ...keys);
    if (raw === undefined) return undefined;
    const resolved = resolve(raw);
    secretsUsed.push(...resolved.secrets, resolved.value);
    return resolved.value;
  };
  const explicit = pick(store.connection, ...urlKeys) ?? pick(store.secrets, ...urlKeys);
  if (explicit !== undefined) {
    const resolved = resolve(explicit);
    return { value: resolved.value, secrets: [...resolved.secrets, ...allSecrets] };
  }
  const c = store.connection;
  switch (store.type) {
    case 'file': {
      const dir = pick(c, 'path', 'directory', 'root') ?? '.';
      return { value: pathToFileURL(path.resolve(store.baseDir, dir)).href, secrets: allSecrets };
    }
    case 'postgres':
    case 'postgresql':
    case 'mysql': {
      const host = pick(c, 'host', 'hostname') ?? 'localhost';
      const port = pick(c, 'port') ?? (store.type === 'mysql' ? '3306' : '5432');
      const database = pick(c, 'database', 'dbname', 'db') ?? '';
      const user = secret('username', 'user') ?? pick(c, 'username', 'user');
      const password = secret('password');
      const auth = user ? `${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@` : '';
      const scheme = store.type === 'mysql' ? 'mysql' : 'postgresql';
      const sslmode = pick(c, 'sslmode');
      return {
        value: `${scheme}://${auth}${host}:${port}/${encodeURIComponent(database)}${sslmode ? `?sslmode=${encodeURIComponent(sslmode)}` : ''}`,
        secrets: [...allSecrets, ...secretsUsed, ...(password ? [encodeURIComponent(password)] : [])],
      };
    }
    case 's3': {
      const bucket = pick(c, 'bucket');
      if (!bucket) throw new DataKitError('DK602', `${where}: an s3 Store needs connection.bucket`);
      const query = new URLSearchParams();
      for (const key of ['region', 'endpoint']) {
        const value = pick(c, key);
        if (value) query.set(key, value);
      }
      const q = query.toString();
      return { value: `s3://${bucket}/${q ? `?${q}` : ''}`, secrets: allSecrets };
    }
    case 'kafka': {
      const brokers = pick(c, 'bootstrapServers', 'brokers', 'bootstrap_servers', 'servers');
      if (!brokers) throw new DataKitError('DK602', `${where}: a kafka Store needs connection.bootstrapServers`);
      return { value: `kafka://${brokers}`, secrets: allSecrets };
    }
    default: {
      const host = pick(c, 'host', 'endpoint');
      const port = pick(c, 'port');
      return { value: `${store.type}://${host ?? ''}${port ? `:${port}` : ''}`, secrets: allSecrets };
    }
  }
}
