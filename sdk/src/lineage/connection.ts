/**
 * Reading the non-secret parts of a Store's connection: host, port, database, bucket, paths. Values
 * that are ${VAR} references are unknown here (they are resolved at run time only) and are skipped.
 */

const reference = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;

/** Keys holding a whole connection URL or DSN, as the runner reads them. */
const urlKeys = ['url', 'dsn', 'uri', 'connection_string', 'connectionString'];

function literal(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' || reference.test(trimmed) ? undefined : trimmed;
}

/** The first of `keys` holding a literal (non-reference) value. */
export function pickLiteral(connection: Readonly<Record<string, unknown>>, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = literal(connection[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

export interface ConnectionAddress {
  host?: string;
  port?: string;
  /** The URL path without its leading slash (a database name, a bucket key, a directory). */
  path?: string;
}

function fromUrl(text: string): ConnectionAddress | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined;
  try {
    const url = new URL(text);
    const address: ConnectionAddress = {};
    if (url.hostname !== '') address.host = url.hostname;
    if (url.port !== '') address.port = url.port;
    const path = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
    if (path !== '') address.path = path;
    return address;
  } catch {
    return undefined;
  }
}

/** host=… port=… dbname=… (libpq keyword/value form). */
function fromKeywordValue(text: string): ConnectionAddress | undefined {
  const pairs = new Map<string, string>();
  for (const match of text.matchAll(/(\w+)\s*=\s*('[^']*'|"[^"]*"|[^\s;]+)/g)) {
    pairs.set(match[1]!.toLowerCase(), match[2]!.replace(/^['"]|['"]$/g, ''));
  }
  if (pairs.size === 0) return undefined;
  const address: ConnectionAddress = {};
  const host = pairs.get('host') ?? pairs.get('server');
  const port = pairs.get('port');
  const path = pairs.get('dbname') ?? pairs.get('database');
  if (host) address.host = host;
  if (port) address.port = port;
  if (path) address.path = path;
  return address;
}

/** What a connection URL or DSN in the connection says about the address (never its credentials). */
export function connectionUrlAddress(connection: Readonly<Record<string, unknown>>): ConnectionAddress {
  const text = pickLiteral(connection, ...urlKeys);
  if (text === undefined) return {};
  return fromUrl(text) ?? fromKeywordValue(text) ?? {};
}
