import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createIssue, type Issue } from '../core/issue';
import type { LoadedManifest } from '../manifest/load';

/**
 * Every named manifest of a linted tree by kind and name. A reference resolves first within the
 * package it is written in (the flat layout repeats shared DataSets and Stores in each package,
 * sometimes with local differences), then across the whole tree. Identical copies count once.
 */
export interface ManifestIndex {
  /** Declarations of `name`: those of `from`'s package when it has any, else all distinct ones. */
  get(kind: string, name: string, from?: LoadedManifest): LoadedManifest[];
  all(kind: string): LoadedManifest[];
  has(kind: string): boolean;
}

const packageFiles = new Set(['dk.yaml', 'dk.yml']);

/** The package a manifest belongs to: the nearest directory above it holding a dk.yaml. */
function scopeResolver(manifests: readonly LoadedManifest[]): (manifest: LoadedManifest) => string {
  const packageDirs = [...new Set(manifests.filter((m) => packageFiles.has(path.basename(m.file))).map((m) => path.dirname(m.file)))].sort(
    (a, b) => b.length - a.length,
  );
  const cache = new Map<string, string>();
  return (manifest) => {
    const dir = path.dirname(manifest.file);
    let scope = cache.get(dir);
    if (scope === undefined) {
      scope = packageDirs.find((p) => dir === p || dir.startsWith(p + path.sep)) ?? '';
      cache.set(dir, scope);
    }
    return scope;
  };
}

export function indexManifests(manifests: readonly LoadedManifest[]): { index: ManifestIndex; issues: Issue[] } {
  const issues: Issue[] = [];
  const scopeOf = scopeResolver(manifests);
  /** kind → name → distinct declarations (identical copies dropped). */
  const byKind = new Map<string, Map<string, LoadedManifest[]>>();
  for (const manifest of manifests) {
    if (manifest.kind === undefined || manifest.name === undefined) continue;
    let byName = byKind.get(manifest.kind);
    if (!byName) byKind.set(manifest.kind, (byName = new Map()));
    const existing = byName.get(manifest.name) ?? [];
    const version = versionOf(manifest);
    const sameVersion = existing.filter((m) => versionOf(m) === version);
    if (sameVersion.some((m) => isDeepStrictEqual(m.value.spec, manifest.value.spec))) continue;
    const clash = sameVersion.find((m) => scopeOf(m) === scopeOf(manifest));
    if (clash) {
      const first = clash.document.locate(['metadata', 'name']);
      issues.push(
        createIssue(
          'DK202',
          `${manifest.kind} ${JSON.stringify(manifest.name)}${version ? ` ${version}` : ''} is declared twice with different content (first at ${first.file}:${first.line})`,
          manifest.document.locate(['metadata', 'name']),
        ),
      );
      continue;
    }
    existing.push(manifest);
    byName.set(manifest.name, existing);
  }
  const index: ManifestIndex = {
    get: (kind, name, from) => {
      const all = byKind.get(kind)?.get(name) ?? [];
      if (from === undefined || all.length <= 1) return all;
      const scope = scopeOf(from);
      const local = all.filter((m) => scopeOf(m) === scope);
      return local.length > 0 ? local : all;
    },
    all: (kind) => [...(byKind.get(kind)?.values() ?? [])].flat(),
    has: (kind) => (byKind.get(kind)?.size ?? 0) > 0,
  };
  return { index, issues };
}

export function versionOf(manifest: LoadedManifest): string | undefined {
  const metadata = manifest.value.metadata as Record<string, unknown> | undefined;
  const version = metadata?.version;
  return typeof version === 'string' ? version : undefined;
}

export function specOf(manifest: LoadedManifest): Record<string, unknown> {
  const spec = manifest.value.spec;
  return spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>) : {};
}
