import type { Mode, Runtime } from '@datakit/contracts';
import { apiVersion } from '@datakit/contracts';
import { codeFiles } from './code-files';

export interface PackageOptions {
  name: string;
  runtime: Runtime;
  mode: Mode;
  namespace: string;
  /** Where the generic runtimes' DataSets live: the embedded file store, or a Postgres warehouse. */
  store?: 'file' | 'postgres';
}

/** The environment variable name of a DataSet or Store in the run contract (ARCHITECTURE.md §4). */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[-.]/g, '_');
}

const images: Record<Runtime, string | undefined> = {
  'generic-node': 'node:20-slim',
  'generic-python': 'python:3.12-slim',
  'generic-go': 'golang:1.22',
  dbt: 'ghcr.io/dbt-labs/dbt-postgres:1.8.2',
  cloudquery: undefined,
};

const commands: Record<Runtime, string[] | undefined> = {
  'generic-node': ['node', 'src/main.mjs'],
  'generic-python': ['python3', 'src/main.py'],
  'generic-go': ['go', 'run', '.'],
  dbt: undefined,
  cloudquery: undefined,
};

/** Every file of a new package in the flat layout, by relative path. */
export function renderPackage(options: PackageOptions): Map<string, string> {
  const { name, runtime, mode, namespace } = options;
  const input = `${name}-input`;
  const output = `${name}-output`;
  const onPostgres = options.store === 'postgres';
  const usesWarehouse = runtime === 'dbt' || runtime === 'cloudquery' || onPostgres;
  const inputStore = usesWarehouse ? 'warehouse' : 'local';
  const outputStore = runtime === 'dbt' || onPostgres ? 'warehouse' : 'local';
  const table = (suffix: string) => `public.${name.replace(/-/g, '_')}_${suffix}`;
  const files = new Map<string, string>();
  const image = images[runtime];
  const command = commands[runtime];

  files.set(
    'dk.yaml',
    [
      `# yaml-language-server: $schema=https://datakit.dev/schemas/v1alpha1/transform.schema.json`,
      `apiVersion: ${apiVersion}`,
      'kind: Transform',
      'metadata:',
      `  name: ${name}`,
      `  namespace: ${namespace}`,
      '  version: 0.1.0',
      'spec:',
      `  runtime: ${runtime}`,
      `  mode: ${mode}`,
      `  description: ${runtime} transform from ${input} to ${output}`,
      ...(image ? [`  image: ${image}`] : []),
      ...(command ? [`  command: [${command.map((c) => JSON.stringify(c)).join(', ')}]`] : []),
      '  inputs:',
      `    - dataset: ${input}`,
      '  outputs:',
      `    - dataset: ${output}`,
      '  trigger:',
      `    policy: ${mode === 'streaming' ? 'on-change' : 'manual'}`,
      '  timeout: 10m',
      '',
    ].join('\n'),
  );

  const fileFormat = runtime === 'cloudquery' ? 'parquet' : 'jsonl';
  files.set(
    `dataset/${input}.yaml`,
    [
      `apiVersion: ${apiVersion}`,
      'kind: DataSet',
      'metadata:',
      `  name: ${input}`,
      `  namespace: ${namespace}`,
      '  version: 0.1.0',
      'spec:',
      `  store: ${inputStore}`,
      ...(usesWarehouse ? [`  table: ${table('input')}`] : ['  prefix: input/', '  format: jsonl']),
      '  classification: confidential',
      '  schema:',
      '    - name: id',
      '      type: integer',
      '      nullable: false',
      '    - name: name',
      '      type: string',
      '    - name: email',
      '      type: string',
      '      pii: true',
      ...(onPostgres
        ? [
            '  dev:',
            '    seed:',
            '      rows:',
            '        - { id: 1, name: Ada, email: ada@example.com }',
            '        - { id: 2, name: Grace, email: grace@example.com }',
            '        - { id: 3, name: Linus, email: linus@example.com }',
          ]
        : []),
      '',
    ].join('\n'),
  );
  files.set(
    `dataset/${output}.yaml`,
    [
      `apiVersion: ${apiVersion}`,
      'kind: DataSet',
      'metadata:',
      `  name: ${output}`,
      `  namespace: ${namespace}`,
      '  version: 0.1.0',
      'spec:',
      `  store: ${outputStore}`,
      ...(outputStore === 'warehouse' ? [`  table: ${table('output')}`] : ['  prefix: output/', `  format: ${fileFormat}`]),
      '  classification: internal',
      '  schema:',
      '    - name: id',
      '      type: integer',
      '      nullable: false',
      `      from: ${input}.id`,
      '    - name: name',
      '      type: string',
      `      from: ${input}.name`,
      '    - name: name_length',
      '      type: integer',
      '',
    ].join('\n'),
  );
  if (inputStore === 'local' || outputStore === 'local') {
    files.set(
      'store/local.yaml',
      [
        `apiVersion: ${apiVersion}`,
        'kind: Store',
        'metadata:',
        '  name: local',
        `  namespace: ${namespace}`,
        'spec:',
        '  connector: file',
        '  connection:',
        '    path: ./data',
        '',
      ].join('\n'),
    );
    files.set(
      'connector/file.yaml',
      [
        `apiVersion: ${apiVersion}`,
        'kind: Connector',
        'metadata:',
        '  name: file',
        'spec:',
        '  type: file',
        '  description: A local directory of CSV, JSON-lines or Parquet files.',
        '  capabilities: [source, destination]',
        '',
      ].join('\n'),
    );
  }
  if (usesWarehouse) {
    files.set(
      'store/warehouse.yaml',
      [
        `apiVersion: ${apiVersion}`,
        'kind: Store',
        'metadata:',
        '  name: warehouse',
        `  namespace: ${namespace}`,
        'spec:',
        '  connector: postgres',
        '  connection:',
        '    host: localhost',
        '    port: 5432',
        '    database: datakit',
        '  secrets:',
        '    username: ${PG_USER}',
        '    password: ${PG_PASSWORD}',
        '',
      ].join('\n'),
    );
    files.set(
      'connector/postgres.yaml',
      [
        `apiVersion: ${apiVersion}`,
        'kind: Connector',
        'metadata:',
        '  name: postgres',
        'spec:',
        '  type: postgres',
        '  protocol: postgresql',
        '  capabilities: [source, destination]',
        '',
      ].join('\n'),
    );
  }
  if (inputStore === 'local') {
    files.set(
      'data/input/sample.jsonl',
      [
        '{"id":1,"name":"Ada","email":"ada@example.com"}',
        '{"id":2,"name":"Grace","email":"grace@example.com"}',
        '{"id":3,"name":"Linus","email":"linus@example.com"}',
        '',
      ].join('\n'),
    );
  }
  for (const [file, content] of codeFiles({ ...options, input, output, envName })) files.set(file, content);
  files.set(
    '.dkignore',
    [
      '# Files left out of the package artifact (gitignore syntax).',
      'data/output/',
      '*.log',
      ...(runtime === 'dbt' ? ['target/', 'logs/', 'dbt_packages/'] : []),
      '',
    ].join('\n'),
  );
  files.set('README.md', readme(options, input, output, inputStore));
  return files;
}

function readme(options: PackageOptions, input: string, output: string, inputStore: string): string {
  const { name, runtime } = options;
  return [
    `# ${name}`,
    '',
    `A DataKit data package: a ${runtime} Transform reading \`${input}\` and writing \`${output}\`.`,
    '',
    '| file | what it declares |',
    '|---|---|',
    '| `dk.yaml` | the Transform: runtime, image, command, inputs and outputs |',
    '| `dataset/` | the DataSets: where the data lives, its schema and classification |',
    '| `store/` | the Stores the DataSets live in; secrets only as `${VAR}` references |',
    '| `connector/` | the technologies the Stores use |',
    '',
    '```sh',
    `dk lint ${name}          # validate the manifests`,
    `dk run ${name} --local   # run it on this machine${inputStore === 'local' ? ' (reads data/input, writes data/output)' : ''}`,
    `dk build ${name}         # bundle it into an OCI artifact`,
    '```',
    '',
  ].join('\n');
}
