import { describe, expect, it } from 'vitest';
import { lintPath } from '../src/validate';
import { findCredentialInString, isCredentialKey, isSecretReference } from '../src/validate/secret-patterns';
import { datasetYaml, storeYaml, transformYaml, writeTree } from './helpers/temp-tree';

const pkg = (files: Record<string, string>) =>
  writeTree({
    'dk.yaml': transformYaml('demo', ['in'], ['out']),
    'dataset/in.yaml': datasetYaml('in'),
    'dataset/out.yaml': datasetYaml('out'),
    'store/local.yaml': storeYaml('local'),
    ...files,
  });

const errorsOf = async (root: string, strict = false) =>
  (await lintPath(root, { strict })).issues.filter((i) => i.severity === 'error').map((i) => `${i.code}@${i.path ?? ''}:${i.line}`);

describe('PII and classification', () => {
  it('refuses a PII field in an internal DataSet, on the classification line', async () => {
    const root = await pkg({
      'dataset/in.yaml': datasetYaml('in', { schema: '  schema:\n    - name: email\n      type: string\n      pii: true\n' }),
    });
    expect(await errorsOf(root)).toEqual(['DK301@spec.classification:9']);
  });

  it('accepts PII in confidential and restricted DataSets', async () => {
    for (const classification of ['confidential', 'restricted']) {
      const root = await pkg({
        'dataset/in.yaml': datasetYaml('in', {
          classification,
          schema: '  schema:\n    - name: email\n      type: string\n      pii: true\n',
        }),
      });
      expect(await errorsOf(root)).toEqual([]);
    }
  });

  it('keeps PII through column lineage: a field derived from a PII column must be marked', async () => {
    const root = await pkg({
      'dataset/in.yaml': datasetYaml('in', {
        classification: 'confidential',
        schema: '  schema:\n    - name: email\n      type: string\n      pii: true\n',
      }),
      'dataset/out.yaml': datasetYaml('out', { schema: '  schema:\n    - name: contact\n      type: string\n      from: in.email\n' }),
    });
    expect(await errorsOf(root)).toEqual(['DK302@spec.schema[0].from:13']);
  });

  it('a derived PII field marked pii still needs a confidential DataSet', async () => {
    const root = await pkg({
      'dataset/in.yaml': datasetYaml('in', {
        classification: 'confidential',
        schema: '  schema:\n    - name: email\n      type: string\n      pii: true\n',
      }),
      'dataset/out.yaml': datasetYaml('out', {
        schema: '  schema:\n    - name: contact\n      type: string\n      pii: true\n      from: in.email\n',
      }),
    });
    expect(await errorsOf(root)).toEqual(['DK301@spec.classification:9']);
  });

  it('column lineage must name a declared DataSet and column', async () => {
    const root = await pkg({
      'dataset/out.yaml': datasetYaml('out', {
        schema:
          '  schema:\n    - name: a\n      type: string\n      from: in.nope\n    - name: b\n      type: string\n      from: ghost.x\n',
      }),
    });
    expect(await errorsOf(root)).toEqual(['DK206@spec.schema[0].from:13', 'DK201@spec.schema[1].from:16']);
  });

  it('--strict requires a classification on every output', async () => {
    const unclassified = datasetYaml('out').replace('  classification: internal\n', '');
    const root = await pkg({ 'dataset/out.yaml': unclassified });
    expect(await errorsOf(root)).toEqual([]);
    expect(await errorsOf(root, true)).toEqual(['DK306@spec.classification:5']);
  });
});

describe('secrets', () => {
  it('allows ${VAR} secrets on Stores', async () => {
    const root = await pkg({
      'store/local.yaml': storeYaml(
        'local',
        '  connector: postgres\n  connection:\n    host: db\n  secrets:\n    password: ${PG_PASSWORD}\n    token: ${API_TOKEN}\n',
      ),
    });
    expect(await errorsOf(root)).toEqual([]);
  });

  it('refuses a literal password under secrets', async () => {
    const root = await pkg({
      'store/local.yaml': storeYaml('local', '  connector: postgres\n  connection:\n    host: db\n  secrets:\n    password: hunter2\n'),
    });
    expect(await errorsOf(root)).toEqual(['DK303@spec.secrets.password:10']);
  });

  it('refuses credentials inside connection strings and literal credential fields', async () => {
    const root = await pkg({
      'store/local.yaml': storeYaml(
        'local',
        '  connector: postgres\n  connection:\n    url: postgresql://app:s3cret@db:5432/app\n    dsn: "host=db user=app password=s3cret"\n    apiKey: abc123\n',
      ),
    });
    expect(await errorsOf(root)).toEqual(['DK304@spec.connection.url:8', 'DK304@spec.connection.dsn:9', 'DK304@spec.connection.apiKey:10']);
  });

  it('accepts connection strings whose password is a reference', async () => {
    const root = await pkg({
      'store/local.yaml': storeYaml(
        'local',
        '  connector: postgres\n  connection:\n    url: postgresql://app:${PG_PASSWORD}@db:5432/app\n',
      ),
    });
    expect(await errorsOf(root)).toEqual([]);
  });

  it('refuses secrets outside Stores: a secrets block on a DataSet, a literal credential in a Transform env', async () => {
    const root = await pkg({
      'dk.yaml': transformYaml(
        'demo',
        ['in'],
        ['out'],
        '  env:\n    - name: DB_PASSWORD\n      value: hunter2\n    - name: LOG_LEVEL\n      value: info\n',
      ),
      'dataset/in.yaml': datasetYaml('in') + '  secrets:\n    token: ${X}\n',
    });
    expect(await errorsOf(root)).toEqual(['DK305@spec.secrets:13', 'DK305@spec.env[0].value:15']);
  });

  it('never echoes a secret value in a message', async () => {
    const root = await pkg({
      'store/local.yaml': storeYaml(
        'local',
        '  connector: postgres\n  connection:\n    url: postgresql://app:Sup3rS3cret@db/app\n  secrets:\n    password: Sup3rS3cret\n',
      ),
    });
    const result = await lintPath(root);
    expect(JSON.stringify(result.issues)).not.toContain('Sup3rS3cret');
  });

  it('recognises credential keys and connection strings', () => {
    for (const key of ['password', 'PG_PASSWORD', 'secretAccessKey', 'api_key', 'apiKey', 'token', 'clientSecret', 'pwd'])
      expect(isCredentialKey(key), key).toBe(true);
    for (const key of ['username', 'groupId', 'host', 'bucket', 'no_rotate', 'region']) expect(isCredentialKey(key), key).toBe(false);
    expect(findCredentialInString('s3://bucket/path')).toBeUndefined();
    expect(findCredentialInString('postgres://user@host/db')).toBeUndefined();
    expect(findCredentialInString('postgres://user:pw@host/db')).toContain('user:****');
    expect(findCredentialInString("host=x password='p w'")).toContain('password=****');
    expect(isSecretReference('${PG_PASSWORD}')).toBe(true);
    expect(isSecretReference('prefix-${PG_PASSWORD}')).toBe(false);
  });
});
