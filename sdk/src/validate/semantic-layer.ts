import { validRange } from 'semver';
import { kinds, legacyApiVersion } from '@datakit/contracts';
import { createIssue, type Issue } from '../core/issue';
import type { LoadedManifest } from '../manifest/load';
import { explainInvalidCron, isValidTimeZone } from './cron';
import { suggestClosest } from './did-you-mean';
import { isKnownKind } from './schema-layer';

type Path = (string | number)[];

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Layer 1 (what the schema cannot say about the document itself): kind and apiVersion. */
export function checkKindAndVersion(manifest: LoadedManifest): { issues: Issue[]; known: boolean } {
  const locate = (p: Path) => manifest.document.locate(p);
  const issues: Issue[] = [];
  const { kind, apiVersion, value } = manifest;
  if (value.kind === undefined) {
    issues.push(
      createIssue('DK106', 'kind is required (Transform, DataSet, DataSetGroup, Connector or Store)', { ...locate([]), path: 'kind' }),
    );
    return { issues, known: false };
  }
  if (kind === undefined || !isKnownKind(kind)) {
    const suggestion = typeof value.kind === 'string' ? suggestClosest(value.kind, kinds) : undefined;
    issues.push(
      createIssue(
        'DK103',
        `unknown kind ${JSON.stringify(value.kind)}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
        locate(['kind']),
      ),
    );
    return { issues, known: false };
  }
  if (apiVersion === legacyApiVersion) {
    issues.push(
      createIssue('DK118', `${legacyApiVersion} is read unchanged; datakit.dev/v1alpha1 is the current group`, locate(['apiVersion'])),
    );
  }
  if (kind === 'Pipeline') {
    issues.push(createIssue('DK119', 'the legacy Pipeline kind is accepted but has no effect', locate(['kind'])));
  }
  return { issues, known: true };
}

/** Layer 3: rules within one manifest that JSON Schema does not express well. */
export function checkSemantics(manifest: LoadedManifest): Issue[] {
  const issues: Issue[] = [];
  const locate = (p: Path) => manifest.document.locate(p);
  const spec = asRecord(manifest.value.spec);
  if (!spec) return issues;
  switch (manifest.kind) {
    case 'Transform': {
      const runtime = spec.runtime;
      if (typeof runtime === 'string' && runtime.startsWith('generic-') && spec.image === undefined) {
        issues.push(
          createIssue(
            'DK106',
            `spec.image is required for the ${runtime} runtime`,
            { ...locate(['spec', 'runtime']), path: 'spec.image' },
            {
              hint: 'Add spec.image: the container image that runs the code (dk init scaffolds one).',
            },
          ),
        );
      }
      checkSchedule(spec.schedule, ['spec', 'schedule'], locate, issues);
      const trigger = asRecord(spec.trigger);
      if (trigger) {
        checkSchedule(trigger.schedule, ['spec', 'trigger', 'schedule'], locate, issues);
        if (trigger.policy === 'schedule' && trigger.schedule === undefined && spec.schedule === undefined) {
          issues.push(
            createIssue('DK106', 'spec.trigger.schedule is required when the policy is schedule', {
              ...locate(['spec', 'trigger', 'policy']),
              path: 'spec.trigger.schedule',
            }),
          );
        }
      }
      for (const direction of ['inputs', 'outputs'] as const) {
        const refs = spec[direction];
        if (!Array.isArray(refs)) continue;
        refs.forEach((ref, i) => {
          const r = asRecord(ref);
          if (!r) return;
          const at: Path = ['spec', direction, i];
          const hasName = r.dataset !== undefined;
          const hasTags = r.tags !== undefined;
          if (hasName === hasTags) {
            issues.push(
              createIssue(
                'DK114',
                `spec.${direction}[${i}] must have exactly one of dataset or tags${hasName ? ', not both' : ''}`,
                locate(at),
              ),
            );
          }
          if (typeof r.version === 'string' && validRange(r.version) === null) {
            issues.push(
              createIssue(
                'DK111',
                `spec.${direction}[${i}].version ${JSON.stringify(r.version)} is not a semver range`,
                locate([...at, 'version']),
              ),
            );
          }
        });
      }
      break;
    }
    case 'DataSet': {
      const locators = (['table', 'prefix', 'topic'] as const).filter((k) => spec[k] !== undefined);
      if (locators.length !== 1) {
        issues.push(
          createIssue(
            'DK114',
            locators.length === 0
              ? 'a DataSet needs exactly one of spec.table, spec.prefix or spec.topic to say where its data is'
              : `a DataSet has exactly one of spec.table, spec.prefix or spec.topic, not ${locators.join(' and ')}`,
            locators.length === 0 ? { ...locate(['spec']), path: 'spec' } : locate(['spec', locators[1]!]),
          ),
        );
      }
      if (spec.schema !== undefined && spec.schemaRef !== undefined) {
        issues.push(createIssue('DK114', 'use either spec.schema or spec.schemaRef, not both', locate(['spec', 'schemaRef'])));
      }
      if (Array.isArray(spec.schema)) {
        const names = new Map<string, number>();
        spec.schema.forEach((field, i) => {
          const name = asRecord(field)?.name;
          if (typeof name !== 'string') return;
          if (names.has(name)) {
            issues.push(
              createIssue(
                'DK109',
                `field ${JSON.stringify(name)} is declared twice (also at spec.schema[${names.get(name)}])`,
                locate(['spec', 'schema', i, 'name']),
              ),
            );
          } else names.set(name, i);
        });
      }
      break;
    }
    case 'Connector': {
      if (spec.type === undefined && spec.provider === undefined) {
        issues.push(createIssue('DK106', 'spec.type is required (e.g. postgres, s3, kafka)', { ...locate(['spec']), path: 'spec.type' }));
      } else if (spec.type === undefined) {
        issues.push(
          createIssue('DK120', `spec.type is missing; spec.provider ${JSON.stringify(spec.provider)} is used as the type`, {
            ...locate(['spec', 'provider']),
            path: 'spec.type',
          }),
        );
      }
      break;
    }
    case 'Store': {
      const connection = spec.connection;
      if (connection === undefined || (asRecord(connection) && Object.keys(connection as object).length === 0)) {
        issues.push(
          createIssue('DK120', 'spec.connection is empty: the Store says nothing about where to connect', {
            ...locate(connection === undefined ? ['spec'] : ['spec', 'connection']),
            path: 'spec.connection',
          }),
        );
      }
      break;
    }
    default:
      break;
  }
  return issues;
}

function checkSchedule(
  schedule: unknown,
  at: Path,
  locate: (p: Path) => ReturnType<LoadedManifest['document']['locate']>,
  issues: Issue[],
): void {
  const s = asRecord(schedule);
  if (!s) return;
  if (typeof s.cron === 'string') {
    const problem = explainInvalidCron(s.cron);
    if (problem) issues.push(createIssue('DK112', `cron ${JSON.stringify(s.cron)} is invalid: ${problem}`, locate([...at, 'cron'])));
  }
  if (typeof s.timezone === 'string' && !isValidTimeZone(s.timezone)) {
    issues.push(
      createIssue(
        'DK112',
        `time zone ${JSON.stringify(s.timezone)} is not an IANA time zone (e.g. Europe/Paris, UTC)`,
        locate([...at, 'timezone']),
      ),
    );
  }
}
