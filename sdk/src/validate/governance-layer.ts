import { piiClassifications, type Classification } from '@datakit/contracts';
import { createIssue, formatPath, type Issue } from '../core/issue';
import type { LoadedManifest } from '../manifest/load';
import { specOf, type ManifestIndex } from './manifest-index';
import { findCredentialInString, isCredentialKey, isSecretReference } from './secret-patterns';

type Path = (string | number)[];

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export interface GovernanceOptions {
  strict: boolean;
  /** Names of DataSets some Transform writes: with --strict they must be classified. */
  outputDataSets: ReadonlySet<string>;
}

/** Layer 5: PII and classification, column lineage, secrets. */
export function checkGovernance(manifest: LoadedManifest, index: ManifestIndex, options: GovernanceOptions): Issue[] {
  const issues: Issue[] = [];
  const locate = (p: Path) => manifest.document.locate(p);
  const spec = specOf(manifest);

  if (manifest.kind === 'DataSet') {
    const classification = typeof spec.classification === 'string' ? (spec.classification as Classification) : undefined;
    const fields = Array.isArray(spec.schema) ? spec.schema.map(asRecord) : [];
    const piiFields = fields.flatMap((f, i) => (f?.pii === true && typeof f.name === 'string' ? [{ name: f.name, i }] : []));
    if (piiFields.length > 0 && (classification === undefined || !piiClassifications.includes(classification))) {
      const names = piiFields.map((f) => f.name).join(', ');
      issues.push(
        createIssue(
          'DK301',
          `PII field${piiFields.length > 1 ? 's' : ''} ${names} in a DataSet classified ${classification ?? '(unclassified)'}: PII requires confidential or restricted`,
          classification === undefined ? locate(['spec', 'schema', piiFields[0]!.i, 'pii']) : locate(['spec', 'classification']),
        ),
      );
    }
    fields.forEach((field, i) => {
      if (!field || typeof field.from !== 'string' || field.pii === true) return;
      const source = findSourceColumn(field.from, index, manifest);
      if (source?.pii === true) {
        issues.push(
          createIssue(
            'DK302',
            `field ${JSON.stringify(field.name)} is derived from PII column ${field.from} but is not marked pii: true`,
            locate(['spec', 'schema', i, 'from']),
          ),
        );
      }
    });
    if (options.strict && classification === undefined && manifest.name !== undefined && options.outputDataSets.has(manifest.name)) {
      issues.push(
        createIssue('DK306', `output DataSet ${JSON.stringify(manifest.name)} has no spec.classification`, {
          ...locate(['spec']),
          path: 'spec.classification',
        }),
      );
    }
  }

  if (manifest.kind === 'Store') {
    const secrets = asRecord(spec.secrets);
    for (const [key, value] of Object.entries(secrets ?? {})) {
      if (typeof value !== 'string' || isSecretReference(value)) continue;
      if (isCredentialKey(key) || findCredentialInString(value)) {
        issues.push(
          createIssue(
            'DK303',
            `spec.secrets.${key} is a literal value; secrets must be \${VAR} references`,
            locate(['spec', 'secrets', key]),
          ),
        );
      } else {
        issues.push(createIssue('DK307', `spec.secrets.${key} is a literal, not a \${VAR} reference`, locate(['spec', 'secrets', key])));
      }
    }
    const connection = asRecord(spec.connection);
    for (const [key, value] of Object.entries(connection ?? {})) {
      if (typeof value !== 'string' || value === '') continue;
      const inString = findCredentialInString(value);
      if (inString) {
        issues.push(createIssue('DK304', `spec.connection.${key} holds ${inString}`, locate(['spec', 'connection', key])));
      } else if (isCredentialKey(key) && !isSecretReference(value)) {
        issues.push(createIssue('DK304', `spec.connection.${key} is a literal credential`, locate(['spec', 'connection', key])));
      } else if (isCredentialKey(key)) {
        issues.push(
          createIssue(
            'DK304',
            `spec.connection.${key} is a credential; declare it under spec.secrets`,
            locate(['spec', 'connection', key]),
            { severity: 'warning' },
          ),
        );
      }
    }
  } else {
    // Credentials anywhere outside a Store: env values, URLs with passwords, literal secret keys.
    walkStrings(manifest.value, [], (path, value) => {
      const key = path[path.length - 1];
      const envName = path.length >= 2 && path[path.length - 1] === 'value' ? envVarName(manifest.value, path) : undefined;
      const inString = findCredentialInString(value);
      if (inString) {
        issues.push(createIssue('DK305', `${formatPath(path)} holds ${inString}; only Stores may carry secrets`, locate(path)));
      } else if (envName !== undefined && isCredentialKey(envName) && !isSecretReference(value) && value !== '') {
        issues.push(
          createIssue('DK305', `environment variable ${envName} holds a literal credential; only Stores may carry secrets`, locate(path)),
        );
      } else if (
        typeof key === 'string' &&
        key !== 'name' &&
        isCredentialKey(key) &&
        !isSecretReference(value) &&
        value !== '' &&
        path[0] === 'spec' &&
        !isDescriptive(path)
      ) {
        issues.push(
          createIssue('DK305', `${formatPath(path)} looks like a literal credential; only Stores may carry secrets`, locate(path)),
        );
      }
    });
  }
  return issues;
}

function isDescriptive(path: Path): boolean {
  // Schema definitions describe fields (connectionSchema.password.type): they hold no secret.
  return path.includes('connectionSchema') || path.includes('schema') || path.includes('description');
}

function envVarName(root: Record<string, unknown>, path: Path): string | undefined {
  let node: unknown = root;
  for (const segment of path.slice(0, -1)) node = (node as Record<string | number, unknown> | undefined)?.[segment];
  const name = asRecord(node)?.name;
  return path.includes('env') && typeof name === 'string' ? name : undefined;
}

function walkStrings(value: unknown, path: Path, visit: (path: Path, value: string) => void): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
}

/** `from: dataset.column` → the column's declaration, when the dataset and column are declared. */
export function findSourceColumn(from: string, index: ManifestIndex, referrer?: LoadedManifest): Record<string, unknown> | undefined {
  const dot = from.indexOf('.');
  if (dot <= 0) return undefined;
  const dataset = index.get('DataSet', from.slice(0, dot), referrer)[0];
  if (!dataset) return undefined;
  const schema = specOf(dataset).schema;
  if (!Array.isArray(schema)) return undefined;
  const column = from.slice(dot + 1);
  return schema.map(asRecord).find((f) => f?.name === column);
}
