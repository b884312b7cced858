import { maxSatisfying, valid, validRange } from 'semver';
import { builtinConnectorTypes } from '@datakit/contracts';
import { createIssue, type Issue } from '../core/issue';
import type { LoadedManifest } from '../manifest/load';
import { specOf, versionOf, type ManifestIndex } from './manifest-index';
import { suggestClosest } from './did-you-mean';

/** A Transform's input or output after resolution. */
export interface ResolvedRef {
  /** The DataSet's name: resolved, or as written when it is external. */
  dataset: string;
  manifest?: LoadedManifest;
  /** Declared outside the linted tree; not checked. */
  external: boolean;
}

export interface ResolvedTransform {
  manifest: LoadedManifest;
  name: string;
  inputs: ResolvedRef[];
  outputs: ResolvedRef[];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function tagsOf(dataset: LoadedManifest): Set<string> {
  const tags = new Set<string>();
  const specTags = specOf(dataset).tags;
  if (Array.isArray(specTags)) for (const t of specTags) if (typeof t === 'string') tags.add(t);
  const labels = asRecord(asRecord(dataset.value.metadata)?.labels);
  if (labels) for (const [k, v] of Object.entries(labels)) tags.add(`${k}=${String(v)}`);
  return tags;
}

/** Layer 4: Transform → DataSet (name or tags, semver range) → Store → Connector. */
export function resolveReferences(
  manifests: readonly LoadedManifest[],
  index: ManifestIndex,
): { transforms: ResolvedTransform[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const transforms: ResolvedTransform[] = [];
  const haveDataSets = index.has('DataSet');

  for (const manifest of manifests) {
    const spec = specOf(manifest);
    const locate = (p: (string | number)[]) => manifest.document.locate(p);
    if (manifest.kind === 'Transform' && manifest.name !== undefined) {
      const resolved: ResolvedTransform = { manifest, name: manifest.name, inputs: [], outputs: [] };
      for (const direction of ['inputs', 'outputs'] as const) {
        const refs = spec[direction];
        if (!Array.isArray(refs)) continue;
        refs.forEach((raw, i) => {
          const ref = asRecord(raw);
          if (!ref) return;
          const at = ['spec', direction, i];
          const range = typeof ref.version === 'string' && validRange(ref.version) ? ref.version : undefined;
          if (typeof ref.dataset === 'string') {
            const candidates = index.get('DataSet', ref.dataset, manifest);
            if (candidates.length === 0) {
              if (!haveDataSets) {
                issues.push(
                  createIssue(
                    'DK205',
                    `DataSet ${JSON.stringify(ref.dataset)} is not declared in this tree; taken as external`,
                    locate([...at, 'dataset']),
                  ),
                );
                resolved[direction].push({ dataset: ref.dataset, external: true });
              } else {
                const suggestion = suggestClosest(
                  ref.dataset,
                  index.all('DataSet').map((d) => d.name!),
                );
                issues.push(
                  createIssue(
                    'DK201',
                    `unknown DataSet ${JSON.stringify(ref.dataset)}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
                    locate([...at, 'dataset']),
                  ),
                );
              }
              return;
            }
            const chosen = chooseVersion(candidates, range);
            if (chosen.kind === 'none') {
              issues.push(
                createIssue(
                  'DK201',
                  `no version of DataSet ${JSON.stringify(ref.dataset)} satisfies ${range} (declared: ${chosen.versions.join(', ') || 'unversioned'})`,
                  locate([...at, 'version']),
                ),
              );
              return;
            }
            if (chosen.kind === 'ambiguous') {
              issues.push(
                createIssue(
                  'DK202',
                  `DataSet ${JSON.stringify(ref.dataset)} is declared in several versions (${chosen.versions.join(', ')}); add a version range`,
                  locate([...at, 'dataset']),
                ),
              );
              return;
            }
            resolved[direction].push({ dataset: ref.dataset, manifest: chosen.manifest, external: false });
          } else if (Array.isArray(ref.tags)) {
            const wanted = ref.tags.filter((t): t is string => typeof t === 'string');
            const matching = index.all('DataSet').filter((d) => {
              const tags = tagsOf(d);
              return (
                wanted.every((t) => tags.has(t)) &&
                (range === undefined ||
                  (versionOf(d) !== undefined && valid(versionOf(d)!) !== null && maxSatisfying([versionOf(d)!], range) !== null))
              );
            });
            const names = [...new Set(matching.map((d) => d.name!))];
            if (names.length === 0) {
              if (!haveDataSets) {
                issues.push(
                  createIssue(
                    'DK205',
                    `no DataSet in this tree carries tags ${wanted.join(', ')}; taken as external`,
                    locate([...at, 'tags']),
                  ),
                );
              } else {
                issues.push(
                  createIssue(
                    'DK201',
                    `no DataSet carries all of the tags ${wanted.join(', ')}${range ? ` in range ${range}` : ''}`,
                    locate([...at, 'tags']),
                  ),
                );
              }
              return;
            }
            if (names.length > 1) {
              issues.push(
                createIssue(
                  'DK202',
                  `tags ${wanted.join(', ')} match several DataSets: ${names.sort().join(', ')}`,
                  locate([...at, 'tags']),
                ),
              );
              return;
            }
            const chosen = chooseVersion(matching, range);
            if (chosen.kind === 'one') resolved[direction].push({ dataset: names[0]!, manifest: chosen.manifest, external: false });
            else
              issues.push(
                createIssue('DK202', `DataSet ${names[0]} matches in several versions; add a version range`, locate([...at, 'tags'])),
              );
          }
        });
      }
      transforms.push(resolved);
    }

    if (manifest.kind === 'DataSet' && Array.isArray(spec.schema)) {
      spec.schema.forEach((raw, i) => {
        const from = asRecord(raw)?.from;
        if (typeof from !== 'string') return;
        const dot = from.indexOf('.');
        const at = locate(['spec', 'schema', i, 'from']);
        if (dot <= 0 || dot === from.length - 1) {
          issues.push(createIssue('DK206', `from ${JSON.stringify(from)} must name <dataset>.<column>`, at));
          return;
        }
        const source = index.get('DataSet', from.slice(0, dot), manifest)[0];
        if (!source) {
          if (haveDataSets)
            issues.push(createIssue('DK201', `column lineage names unknown DataSet ${JSON.stringify(from.slice(0, dot))}`, at));
          else
            issues.push(
              createIssue('DK205', `DataSet ${JSON.stringify(from.slice(0, dot))} is not declared in this tree; taken as external`, at),
            );
          return;
        }
        const columns = specOf(source).schema;
        const column = from.slice(dot + 1);
        if (Array.isArray(columns) && !columns.some((c) => asRecord(c)?.name === column)) {
          issues.push(createIssue('DK206', `DataSet ${JSON.stringify(source.name)} declares no column ${JSON.stringify(column)}`, at));
        }
      });
    }
    if (manifest.kind === 'DataSet' || manifest.kind === 'DataSetGroup') {
      checkNamed(index, manifest, 'Store', spec.store, locate(['spec', 'store']), 'DK203', issues);
    }
    if (manifest.kind === 'DataSetGroup' && Array.isArray(spec.datasets)) {
      spec.datasets.forEach((member, i) => {
        if (typeof member !== 'string') return;
        const found = index.get('DataSet', member, manifest);
        if (found.length === 0) {
          if (haveDataSets)
            issues.push(
              createIssue('DK207', `DataSet ${JSON.stringify(member)} of this group is not declared`, locate(['spec', 'datasets', i])),
            );
          else
            issues.push(
              createIssue(
                'DK205',
                `DataSet ${JSON.stringify(member)} is not declared in this tree; taken as external`,
                locate(['spec', 'datasets', i]),
              ),
            );
        } else if (typeof spec.store === 'string' && found.every((d) => specOf(d).store !== spec.store)) {
          issues.push(
            createIssue(
              'DK207',
              `DataSet ${JSON.stringify(member)} lives in Store ${JSON.stringify(specOf(found[0]!).store)}, not in the group's Store ${JSON.stringify(spec.store)}`,
              locate(['spec', 'datasets', i]),
            ),
          );
        }
      });
    }
    if (manifest.kind === 'Store' && typeof spec.connector === 'string') {
      const connector = spec.connector;
      const declared = index.get('Connector', connector, manifest).length > 0;
      const builtin = (builtinConnectorTypes as readonly string[]).includes(connector);
      if (!declared && !builtin) {
        if (index.has('Connector')) {
          const suggestion = suggestClosest(connector, [...index.all('Connector').map((c) => c.name!), ...builtinConnectorTypes]);
          issues.push(
            createIssue(
              'DK204',
              `unknown Connector ${JSON.stringify(connector)}${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
              locate(['spec', 'connector']),
            ),
          );
        } else {
          issues.push(
            createIssue(
              'DK205',
              `Connector ${JSON.stringify(connector)} is not declared in this tree nor built in; taken as external`,
              locate(['spec', 'connector']),
            ),
          );
        }
      }
    }
  }
  return { transforms, issues };
}

function checkNamed(
  index: ManifestIndex,
  from: LoadedManifest,
  kind: string,
  name: unknown,
  location: ReturnType<LoadedManifest['document']['locate']>,
  code: 'DK203' | 'DK204',
  issues: Issue[],
): void {
  if (typeof name !== 'string') return;
  const found = index.get(kind, name, from);
  if (found.length > 1) {
    issues.push(
      createIssue(
        'DK202',
        `${kind} ${JSON.stringify(name)} is declared differently in several packages (${found.map((m) => m.file).join(', ')})`,
        location,
      ),
    );
    return;
  }
  if (found.length === 1) return;
  if (!index.has(kind)) {
    issues.push(createIssue('DK205', `${kind} ${JSON.stringify(name)} is not declared in this tree; taken as external`, location));
    return;
  }
  const suggestion = suggestClosest(
    name,
    index.all(kind).map((m) => m.name!),
  );
  issues.push(createIssue(code, `unknown ${kind} ${JSON.stringify(name)}${suggestion ? `; did you mean "${suggestion}"?` : ''}`, location));
}

type Choice = { kind: 'one'; manifest: LoadedManifest } | { kind: 'none'; versions: string[] } | { kind: 'ambiguous'; versions: string[] };

function chooseVersion(candidates: readonly LoadedManifest[], range: string | undefined): Choice {
  const versions = candidates.map((c) => versionOf(c) ?? 'unversioned');
  if (range === undefined) {
    return candidates.length === 1 ? { kind: 'one', manifest: candidates[0]! } : { kind: 'ambiguous', versions };
  }
  const valids = candidates.filter((c) => versionOf(c) !== undefined && valid(versionOf(c)!) !== null);
  const best = maxSatisfying(
    valids.map((c) => versionOf(c)!),
    range,
  );
  if (best === null) return { kind: 'none', versions };
  return { kind: 'one', manifest: valids.find((c) => versionOf(c) === best)! };
}
