import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataKitError } from '../core/errors';
import { lineageCodes } from './codes';
import { connectionUrlAddress, pickLiteral } from './connection';
import type { LineageDataSet, LineageStore } from './datakit-job';
import type { LineageDatasetRef } from './openlineage-types';

/**
 * Physical dataset names per the OpenLineage naming spec (https://openlineage.io/docs/spec/naming):
 *
 * | store          | namespace                     | name                       |
 * | -------------- | ----------------------------- | -------------------------- |
 * | postgres       | postgres://{host}:{port}      | {database}.{schema}.{table}|
 * | mysql          | mysql://{host}:{port}         | {database}.{table}         |
 * | s3             | s3://{bucket}                 | {object key or prefix}     |
 * | gcs            | gs://{bucket}                 | {object key or prefix}     |
 * | kafka          | kafka://{bootstrap host}:{port} | {topic}                  |
 * | file           | file://{host}                 | {absolute path}            |
 * | anything else  | {type}://{host}[:{port}], or {type}://{store name} | table, topic or prefix |
 *
 * Two runs naming the same data must produce the same pair, so names are normalised (default ports
 * filled in, trailing slashes dropped, host names lower-cased).
 */

export interface NamingOptions {
  /** The host written into file:// namespaces (the machine the files are on); default empty. */
  fileHost?: string;
  /** The directory relative file Store paths are resolved against (the package directory). */
  baseDir?: string;
}

export interface NamedDataset extends LineageDatasetRef {
  /** The Store's address for the dataSource facet: no credentials, no query. */
  sourceUri: string;
}

function unnamed(dataset: LineageDataSet, what: string, hint: string): DataKitError {
  return new DataKitError(
    lineageCodes.unnamedDataset,
    `cannot name DataSet ${dataset.name} for lineage: Store ${dataset.store.name} (${dataset.store.type}) ${what}`,
    { hint },
  );
}

function hostPort(host: string, port: string | undefined): string {
  // Never user:password@ even when a host value carries it.
  const h = host.slice(host.lastIndexOf('@') + 1).toLowerCase();
  const bracketed = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  return port === undefined ? bracketed : `${bracketed}:${port}`;
}

function sqlDataset(dataset: LineageDataSet, scheme: 'postgres' | 'mysql', defaultPort: string): NamedDataset {
  const { connection } = dataset.store;
  const fromUrl = connectionUrlAddress(connection);
  const host = pickLiteral(connection, 'host', 'hostname', 'server') ?? fromUrl.host;
  if (host === undefined)
    throw unnamed(dataset, 'has no literal host', 'Set connection.host (or a connection_string with a host) on the Store.');
  const port = pickLiteral(connection, 'port') ?? fromUrl.port ?? defaultPort;
  const table = dataset.table ?? dataset.name;
  const parts = table.split('.');
  const wanted = scheme === 'postgres' ? 3 : 2;
  let database: string | undefined = pickLiteral(connection, 'database', 'dbname', 'db') ?? fromUrl.path;
  if (parts.length === wanted) database = parts.shift();
  if (database === undefined) {
    throw unnamed(dataset, 'has no database', 'Set connection.database on the Store, or write the table as database.schema.table.');
  }
  if (scheme === 'postgres' && parts.length === 1) parts.unshift('public');
  const namespace = `${scheme}://${hostPort(host, port)}`;
  return { namespace, name: [database, ...parts].join('.'), sourceUri: `${namespace}/${encodeURIComponent(database)}` };
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+/, '').replace(/\/+$/, '');
}

function bucketDataset(dataset: LineageDataSet, scheme: 's3' | 'gs'): NamedDataset {
  const { connection } = dataset.store;
  const fromUrl = connectionUrlAddress(connection);
  const bucket = pickLiteral(connection, 'bucket') ?? fromUrl.host;
  if (bucket === undefined) throw unnamed(dataset, 'has no bucket', 'Set connection.bucket on the Store.');
  const key = [pickLiteral(connection, 'prefix') ?? fromUrl.path, dataset.prefix ?? dataset.table]
    .filter((part): part is string => part !== undefined)
    .map(trimSlashes)
    .filter((part) => part !== '')
    .join('/');
  if (key === '') throw unnamed(dataset, `and DataSet ${dataset.name} give no prefix`, 'Set spec.prefix on the DataSet.');
  const namespace = `${scheme}://${bucket}`;
  return { namespace, name: key, sourceUri: namespace };
}

function kafkaDataset(dataset: LineageDataSet): NamedDataset {
  const { connection } = dataset.store;
  const servers = pickLiteral(connection, 'bootstrapServers', 'bootstrap_servers', 'brokers', 'servers') ?? pickLiteral(connection, 'url');
  // The first bootstrap server names the cluster, as the OpenLineage integrations do.
  const first = servers
    ?.split(',')[0]
    ?.trim()
    .replace(/^[a-z_]+:\/\//i, '');
  if (!first) throw unnamed(dataset, 'has no bootstrapServers', 'Set connection.bootstrapServers on the Store.');
  if (!dataset.topic) throw unnamed(dataset, `and DataSet ${dataset.name} give no topic`, 'Set spec.topic on the DataSet.');
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(first);
  const namespace = `kafka://${hostPort(match?.[1] ?? first, match?.[2] ?? '9092')}`;
  return { namespace, name: dataset.topic, sourceUri: namespace };
}

function fileDataset(dataset: LineageDataSet, options: NamingOptions): NamedDataset {
  const { connection } = dataset.store;
  const fromUrl = pickLiteral(connection, 'url', 'uri');
  let root = pickLiteral(connection, 'path', 'directory', 'root', 'dir');
  if (root === undefined && fromUrl?.startsWith('file:')) root = decodeURIComponent(new URL(fromUrl).pathname);
  root ??= '.';
  if (!path.isAbsolute(root)) {
    if (options.baseDir === undefined) {
      throw unnamed(
        dataset,
        `has the relative path ${root}`,
        'Pass the package directory (baseDir) so that relative paths can be resolved.',
      );
    }
    root = path.resolve(options.baseDir, root);
  }
  const location = dataset.prefix ?? dataset.table;
  const absolute = path.resolve(root, location ?? '');
  const name = absolute.length > 1 ? absolute.replace(/\/+$/, '') : absolute;
  const namespace = `file://${(options.fileHost ?? '').toLowerCase()}`;
  return { namespace, name, sourceUri: `${namespace}${pathToFileURL(path.resolve(root)).pathname}` };
}

function genericDataset(dataset: LineageDataSet, store: LineageStore): NamedDataset {
  const { connection } = store;
  const fromUrl = connectionUrlAddress(connection);
  const host = pickLiteral(connection, 'host', 'hostname', 'endpoint') ?? fromUrl.host;
  const port = pickLiteral(connection, 'port') ?? fromUrl.port;
  const scheme = store.type.toLowerCase().replace(/[^a-z0-9+.-]/g, '-');
  let authority = store.name;
  if (host !== undefined) {
    // An endpoint may itself be a URL (http://localstack:4566): keep its host and port only.
    const endpoint = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? connectionUrlAddress({ url: host }) : { host, port };
    authority = hostPort(endpoint.host ?? store.name, endpoint.port ?? port);
  }
  const namespace = `${scheme}://${authority}`;
  const name = dataset.table ?? dataset.topic ?? (dataset.prefix === undefined ? undefined : trimSlashes(dataset.prefix)) ?? dataset.name;
  return { namespace, name, sourceUri: namespace };
}

/** The OpenLineage namespace and name of a DataKit DataSet, from its Store and table/prefix/topic. */
export function nameDataset(dataset: LineageDataSet, options: NamingOptions = {}): NamedDataset {
  const { store } = dataset;
  switch (store.type.toLowerCase()) {
    case 'postgres':
    case 'postgresql':
      return sqlDataset(dataset, 'postgres', '5432');
    case 'mysql':
      return sqlDataset(dataset, 'mysql', '3306');
    case 's3':
      return bucketDataset(dataset, 's3');
    case 'gcs':
    case 'gs':
      return bucketDataset(dataset, 'gs');
    case 'kafka':
      return kafkaDataset(dataset);
    case 'file':
    case 'local':
    case 'filesystem':
      return fileDataset(dataset, options);
    default:
      return genericDataset(dataset, store);
  }
}
