import { describe, expect, it } from 'vitest';
import { isDataKitError } from '../../src/core';
import { nameDataset, type LineageDataSet, type LineageStore, type NamingOptions } from '../../src/lineage';

const store = (type: string, connection: Record<string, unknown>, name = `${type}-store`): LineageStore => ({ name, type, connection });
const named = (dataset: Omit<LineageDataSet, 'name'>, options?: NamingOptions) => nameDataset({ name: 'ds', ...dataset }, options);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isDataKitError(error) ? `${error.code}: ${error.message}` : String(error);
  }
  return undefined;
}

describe('OpenLineage dataset naming (https://openlineage.io/docs/spec/naming)', () => {
  describe('postgres: postgres://{host}:{port}, {database}.{schema}.{table}', () => {
    it.each([
      [
        'host/port/database keys, schema.table',
        { host: 'db.example.com', port: 5432, database: 'analytics' },
        'sales.orders',
        'postgres://db.example.com:5432',
        'analytics.sales.orders',
      ],
      [
        'default port and public schema',
        { host: 'db.example.com', database: 'analytics' },
        'orders',
        'postgres://db.example.com:5432',
        'analytics.public.orders',
      ],
      [
        'a connection_string with credentials and a query',
        { connection_string: 'postgresql://dkuser:dkpassword@DK-Postgres.svc.cluster.local:5432/datakit?sslmode=disable' },
        'analytics.event_summary',
        'postgres://dk-postgres.svc.cluster.local:5432',
        'datakit.analytics.event_summary',
      ],
      [
        'a keyword/value DSN',
        { dsn: "host=10.0.0.5 port=6432 dbname=warehouse user=x password='p w'" },
        'public.t',
        'postgres://10.0.0.5:6432',
        'warehouse.public.t',
      ],
      ['a database-qualified table', { host: 'h' }, 'other.s.t', 'postgres://h:5432', 'other.s.t'],
    ])('%s', (_what, connection, table, namespace, name) => {
      expect(named({ store: store('postgres', connection), table })).toMatchObject({ namespace, name });
    });

    it('the dataSource uri is the server and database, without credentials or query', () => {
      const result = named({ store: store('postgresql', { url: 'postgres://u:secret@db:5432/app?password=x' }), table: 't' });
      expect(result.sourceUri).toBe('postgres://db:5432/app');
    });

    it('refuses a store without host or database (DK650)', () => {
      expect(codeOf(() => named({ store: store('postgres', { database: 'a' }), table: 't' }))).toMatch(
        /^DK650: cannot name DataSet ds .* has no literal host/,
      );
      expect(codeOf(() => named({ store: store('postgres', { host: '${PG_HOST}', database: 'a' }), table: 't' }))).toMatch(/^DK650/);
      expect(codeOf(() => named({ store: store('postgres', { host: 'h' }), table: 's.t' }))).toMatch(/^DK650: .* has no database/);
    });
  });

  it('mysql: mysql://{host}:{port}, {database}.{table}', () => {
    expect(named({ store: store('mysql', { host: 'm', database: 'shop' }), table: 'orders' })).toMatchObject({
      namespace: 'mysql://m:3306',
      name: 'shop.orders',
    });
  });

  describe('s3: s3://{bucket}, {object key}', () => {
    it.each([
      ['a prefix with a trailing slash', { bucket: 'dk-data-lake', region: 'us-east-1' }, 'data/enriched-events/', 'data/enriched-events'],
      ['a leading slash', { bucket: 'b' }, '/raw/x.parquet', 'raw/x.parquet'],
      ['a store-level prefix', { bucket: 'b', prefix: 'team-a/' }, 'events/', 'team-a/events'],
      ['a bucket from a URL', { url: 's3://from-url/base' }, 'events', 'base/events'],
    ])('%s', (_what, connection, prefix, name) => {
      const result = named({ store: store('s3', connection), prefix });
      expect(result.name).toBe(name);
      expect(result.namespace).toMatch(/^s3:\/\/(dk-data-lake|b|from-url)$/);
      expect(result.sourceUri).toBe(result.namespace);
    });

    it('refuses a store without bucket, or a DataSet without prefix (DK650)', () => {
      expect(codeOf(() => named({ store: store('s3', { region: 'x' }), prefix: 'p' }))).toMatch(/^DK650: .* has no bucket/);
      expect(codeOf(() => named({ store: store('s3', { bucket: 'b' }) }))).toMatch(/^DK650: .* give no prefix/);
    });

    it('gcs: gs://{bucket}', () => {
      expect(named({ store: store('gcs', { bucket: 'g' }), prefix: 'a/b/' })).toMatchObject({ namespace: 'gs://g', name: 'a/b' });
    });
  });

  describe('kafka: kafka://{bootstrap server host}:{port}, {topic}', () => {
    it.each([
      ['the first of several bootstrap servers', { bootstrapServers: 'Kafka-1:9093, kafka-2:9093' }, 'kafka://kafka-1:9093'],
      ['the default port', { brokers: 'kafka' }, 'kafka://kafka:9092'],
      ['a listener scheme', { bootstrap_servers: 'SASL_SSL://broker.example.com:9094' }, 'kafka://broker.example.com:9094'],
    ])('%s', (_what, connection, namespace) => {
      expect(named({ store: store('kafka', connection), topic: 'raw.events.v1' })).toEqual({
        namespace,
        name: 'raw.events.v1',
        sourceUri: namespace,
      });
    });

    it('refuses a store without servers, or a DataSet without topic (DK650)', () => {
      expect(codeOf(() => named({ store: store('kafka', {}), topic: 't' }))).toMatch(/^DK650: .* has no bootstrapServers/);
      expect(codeOf(() => named({ store: store('kafka', { brokers: 'k:1' }) }))).toMatch(/^DK650: .* give no topic/);
    });
  });

  describe('file: file://{host}, {absolute path}', () => {
    it('resolves a relative store path against the package directory; no host by default', () => {
      const result = named({ store: store('file', { path: './data' }), prefix: 'out/orders/' }, { baseDir: '/work/pkg' });
      expect(result).toEqual({ namespace: 'file://', name: '/work/pkg/data/out/orders', sourceUri: 'file:///work/pkg/data' });
    });

    it('writes the host when given', () => {
      const result = named({ store: store('file', { path: '/srv/data' }), prefix: 'x.csv' }, { fileHost: 'Build-01' });
      expect(result).toEqual({ namespace: 'file://build-01', name: '/srv/data/x.csv', sourceUri: 'file://build-01/srv/data' });
    });

    it('refuses a relative path without a base directory (DK650)', () => {
      expect(codeOf(() => named({ store: store('file', { path: 'data' }), prefix: 'x' }))).toMatch(/^DK650: .* relative path data/);
    });
  });

  describe('other connectors', () => {
    it('use {type}://{host}[:{port}] when the store has a host or endpoint', () => {
      expect(named({ store: store('http', { endpoint: 'https://user:pw@api.example.com:8443/v1?key=k' }), table: 'items' })).toEqual({
        namespace: 'http://api.example.com:8443',
        name: 'items',
        sourceUri: 'http://api.example.com:8443',
      });
    });

    it('use {type}://{store name} otherwise (the reference kubernetes store has an empty connection)', () => {
      expect(named({ store: store('kubernetes', {}, 'k8s-local') })).toMatchObject({ namespace: 'kubernetes://k8s-local', name: 'ds' });
    });
  });

  it('gives two runs naming the same data the same pair', () => {
    const a = named({ store: store('postgres', { host: 'DB', port: '5432', database: 'x' }), table: 'public.t' });
    const b = named({ store: store('postgres', { url: 'postgresql://other:creds@db/x' }), table: 't' });
    expect([a.namespace, a.name]).toEqual([b.namespace, b.name]);
  });
});
