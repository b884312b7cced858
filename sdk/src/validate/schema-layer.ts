import type { ErrorObject, ValidateFunction } from 'ajv';
import { isCode, schemasByKind, type Code } from '@datakit/contracts';
import { createIssue, formatPath as formatField, type Issue } from '../core/issue';
import type { LoadedManifest } from '../manifest/load';
import { suggestClosest } from './did-you-mean';
import * as generatedValidators from './generated/schema-validators.js';

type SchemaKind = keyof typeof schemasByKind;

/** Validators precompiled from contracts/schemas at build time (see sdk/scripts/generate-validators.mjs). */
const validators: Readonly<Record<SchemaKind, ValidateFunction>> = generatedValidators;

export function isKnownKind(kind: string): kind is SchemaKind {
  return Object.prototype.hasOwnProperty.call(schemasByKind, kind);
}

/** Layer 2: the kind's JSON Schema, every error converted into a located, coded issue. */
export function validateAgainstSchema(manifest: LoadedManifest): Issue[] {
  const kind = manifest.kind;
  if (kind === undefined || !isKnownKind(kind)) return [];
  const validate = validators[kind];
  if (validate(manifest.value)) return [];
  return convertErrors(manifest, validate.errors ?? []);
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function convertErrors(manifest: LoadedManifest, errors: readonly ErrorObject[]): Issue[] {
  const issues: Issue[] = [];
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    // An empty string fails its pattern too; "must not be empty" says it better.
    if (error.keyword === 'pattern' && error.data === '') continue;
    // A failed oneOf also reports each branch's failure; one message for the field is enough.
    if (error.keyword !== 'oneOf' && [...oneOfPaths].some((p) => error.instancePath === p && error.schemaPath.includes('/oneOf/')))
      continue;
    const path = pointerToPath(error.instancePath);
    const issue = convertError(manifest, error, path);
    if (!issue) continue;
    const key = `${issue.code}|${issue.path ?? ''}|${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function convertError(manifest: LoadedManifest, error: ErrorObject, path: (string | number)[]): Issue | undefined {
  const locate = (p: (string | number)[]) => manifest.document.locate(p);
  const field = path.length === 0 ? 'the document' : formatField(path);
  const parentSchema = error.parentSchema as Record<string, unknown> | undefined;
  const customCode =
    typeof parentSchema?.['x-dk-code'] === 'string' && isCode(parentSchema['x-dk-code']) ? (parentSchema['x-dk-code'] as Code) : undefined;
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const full = [...path, missing];
      return createIssue('DK106', `${formatField(full)} is required`, { ...locate(path), path: formatField(full) });
    }
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const full = [...path, extra];
      if (extra === 'secrets' && manifest.kind !== 'Store') {
        return createIssue('DK305', `${formatField(full)}: only Stores may declare secrets`, locate(full));
      }
      const allowed = Object.keys((parentSchema?.properties as object | undefined) ?? {});
      const suggestion = suggestClosest(extra, allowed);
      return createIssue(
        'DK107',
        `unknown field ${formatField(full)}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
        locate(full),
        { hint: allowed.length > 0 ? `Fields allowed here: ${allowed.join(', ')}.` : undefined },
      );
    }
    case 'type': {
      const expected = (error.params as { type: string | string[] }).type;
      const list = Array.isArray(expected) ? expected.join(' or ') : expected;
      return createIssue('DK105', `${field} must be ${article(list)}, not ${describeValue(error.data)}`, locate(path));
    }
    case 'oneOf':
      return createIssue('DK105', `${field} must be a string or a list of strings, not ${describeValue(error.data)}`, locate(path));
    case 'enum':
    case 'const': {
      const allowed =
        error.keyword === 'enum'
          ? ((error.params as { allowedValues: unknown[] }).allowedValues as string[])
          : [String((error.params as { allowedValue: unknown }).allowedValue)];
      if (path.length === 1 && path[0] === 'apiVersion') {
        return createIssue(
          'DK104',
          `apiVersion ${JSON.stringify(error.data)} is not a DataKit version; expected ${allowed.join(' or ')}`,
          locate(path),
        );
      }
      const suggestion = typeof error.data === 'string' ? suggestClosest(error.data, allowed) : undefined;
      return createIssue(
        'DK108',
        `${field} is ${describeValue(error.data)}; allowed: ${allowed.join(', ')}${suggestion ? `. Did you mean "${suggestion}"?` : ''}`,
        locate(path),
      );
    }
    case 'pattern':
    case 'minLength':
    case 'maxLength':
      return createIssue(customCode ?? 'DK109', patternMessage(field, error, customCode), locate(path));
    case 'minItems':
      return createIssue('DK109', `${field} must list at least ${(error.params as { limit: number }).limit} item(s)`, locate(path));
    default:
      return createIssue(customCode ?? 'DK109', `${field} ${error.message ?? 'is invalid'}`, locate(path));
  }
}

function patternMessage(field: string, error: ErrorObject, code: Code | undefined): string {
  const value = JSON.stringify(error.data);
  if (error.keyword === 'minLength' && error.data === '') return `${field} must not be empty`;
  switch (code) {
    case 'DK110':
      return error.keyword === 'maxLength'
        ? `${field} ${value} is longer than 63 characters`
        : `${field} ${value} is not a valid name: use lower-case letters, digits and "-", starting and ending with a letter or digit`;
    case 'DK111':
      return `${field} ${value} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)`;
    case 'DK113':
      return `${field} ${value} is not a duration (e.g. 30m, 1h30m)`;
    default:
      return `${field} ${value} ${error.message ?? 'is invalid'}`;
  }
}

function article(type: string): string {
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
