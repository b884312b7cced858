/**
 * A flat-layout package whose DataSets live in Postgres, S3 and a local directory, with PII fields,
 * owners and classifications; audit-log's Store has no literal host, so it has no physical name.
 */

const header = (kind: string, name: string, extra = '') =>
  `apiVersion: datakit.dev/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${extra}spec:\n`;

const dataset = (name: string, body: string) => `${header('DataSet', name, '  version: 1.0.0\n')}${body}`;

export const warehouseTree: Record<string, string> = {
  'dk.yaml': `${header('Transform', 'load', '  namespace: analytics\n  version: 0.3.0\n')}  runtime: generic-node
  mode: batch
  owner: team-data
  image: node:20-slim
  command: ["node", "src/main.mjs"]
  inputs:
    - dataset: customers
  outputs:
    - dataset: customer-summary
    - dataset: audit-log
    - dataset: local-copy
`,
  'dataset/customers.yaml': dataset(
    'customers',
    `  store: pg
  table: public.customers
  classification: confidential
  owner: data-platform
  description: Every customer.
  schema:
    - name: id
      type: integer
    - name: email
      type: string
      pii: true
    - name: full_name
      type: string
      pii: true
`,
  ),
  'dataset/customer-summary.yaml': dataset(
    'customer-summary',
    `  store: lake
  prefix: summaries/customers/
  format: parquet
  classification: internal
  schema:
    - name: id
      type: integer
      from: customers.id
    - name: country
      type: string
`,
  ),
  'dataset/audit-log.yaml': dataset(
    'audit-log',
    `  store: pg-env
  table: audit.log
  classification: restricted
  schema:
    - name: actor
      type: string
      pii: true
`,
  ),
  'dataset/local-copy.yaml': dataset(
    'local-copy',
    `  store: local
  prefix: copy/
  format: jsonl
  classification: confidential
  schema:
    - name: email
      type: string
      pii: true
    - name: note
      type: string
`,
  ),
  'store/pg.yaml': `${header('Store', 'pg')}  connector: postgres\n  connection:\n    host: db.internal\n    port: 5432\n    database: app\n`,
  'store/pg-env.yaml': `${header('Store', 'pg-env')}  connector: postgres\n  connection:\n    host: \${PG_HOST}\n    database: app\n`,
  'store/lake.yaml': `${header('Store', 'lake')}  connector: s3\n  connection:\n    bucket: analytics\n`,
  'store/local.yaml': `${header('Store', 'local')}  connector: file\n  connection:\n    path: ./data\n`,
  'connector/postgres.yaml': `${header('Connector', 'postgres')}  type: postgres\n  capabilities: [source, destination]\n`,
  'connector/s3.yaml': `${header('Connector', 's3')}  type: s3\n  capabilities: [source, destination]\n`,
  'connector/file.yaml': `${header('Connector', 'file')}  type: file\n  capabilities: [source, destination]\n`,
};
