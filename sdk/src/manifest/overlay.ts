import { stat } from 'node:fs/promises';
import { parse } from 'yaml';
import { FileSystemError, UsageError } from '../core/errors';
import type { LoadedManifest } from './load';
import { parseYamlDocuments } from './parse-yaml';
import { readTextFile } from './read-text-file';

/** Reads a -f values file: one YAML mapping. Problems are usage errors (exit 2), located. */
export async function readValuesFile(file: string): Promise<{ file: string; value: Record<string, unknown> }> {
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (!exists) throw new FileSystemError('DK502', `-f ${file}: no such file`);
  const read = await readTextFile(file);
  if (!read.ok) throw new UsageError(read.issue.code, `-f ${file}: ${read.issue.message}`);
  const parsed = parseYamlDocuments(read.text, file);
  const problem = parsed.issues[0];
  if (problem) throw new UsageError('DK122', `-f ${file}:${problem.line ?? 1}:${problem.column ?? 1}: ${problem.message}`);
  const value = parsed.documents[0]?.value;
  if (parsed.documents.length !== 1 || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError('DK122', `-f ${file}: a values file must hold one YAML mapping`);
  }
  return { file, value: value as Record<string, unknown> };
}

export interface Overlay {
  /** Values files (-f), in order, already read as YAML mappings. */
  values: Array<{ file: string; value: Record<string, unknown> }>;
  /** --set expressions, in order, as path and raw value. */
  sets: string[];
}

/** Parses `a.b[0].c=value`: the value is read as a YAML scalar (numbers, booleans, null). */
export function parseSetExpression(expression: string): { path: (string | number)[]; value: unknown } {
  const eq = expression.indexOf('=');
  if (eq <= 0) throw new UsageError('DK122', `--set ${expression}: expected path=value, e.g. --set spec.image=my-image:1.0`);
  const rawPath = expression.slice(0, eq);
  const rawValue = expression.slice(eq + 1);
  const path: (string | number)[] = [];
  const segment = /([^.[\]]+)|\[(\d+)\]/gy;
  let pos = 0;
  while (pos < rawPath.length) {
    if (rawPath[pos] === '.' && pos > 0) pos++;
    segment.lastIndex = pos;
    const m = segment.exec(rawPath);
    if (!m) throw new UsageError('DK122', `--set ${expression}: cannot read the path at "${rawPath.slice(pos)}"`);
    path.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
    pos = segment.lastIndex;
  }
  let value: unknown;
  try {
    value = rawValue === '' ? '' : parse(rawValue);
  } catch {
    value = rawValue;
  }
  if (value !== null && typeof value === 'object') value = rawValue;
  return { path, value };
}

/** Deep merge for values files: mappings merge, everything else (lists included) replaces; null deletes. */
export function mergeValues(base: unknown, patch: unknown): unknown {
  if (!isRecord(base) || !isRecord(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergeValues(base[key], value);
  }
  return out;
}

export function setAtPath(target: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let node: unknown = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = path[i + 1]!;
    const container = node as Record<string | number, unknown>;
    if (container[key] === undefined || container[key] === null || typeof container[key] !== 'object') {
      container[key] = typeof next === 'number' ? [] : {};
    }
    node = container[key];
  }
  (node as Record<string | number, unknown>)[path[path.length - 1]!] = value;
}

/**
 * Applies values files then --set expressions to every Transform, in memory only: nothing is
 * ever written back to disk.
 */
export function applyOverlay(manifests: readonly LoadedManifest[], overlay: Overlay): LoadedManifest[] {
  const sets = overlay.sets.map(parseSetExpression);
  if (overlay.values.length === 0 && sets.length === 0) return [...manifests];
  return manifests.map((manifest) => {
    if (manifest.kind !== 'Transform') return manifest;
    let value = structuredClone(manifest.value);
    for (const values of overlay.values) value = mergeValues(value, values.value) as Record<string, unknown>;
    for (const set of sets) setAtPath(value, set.path, set.value);
    const metadata = value.metadata as Record<string, unknown> | undefined;
    const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
    return { ...manifest, value, name, document: { ...manifest.document, value } };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
