import { compareIssues, countIssues, createIssue, escalateWarnings, type Issue, type IssueCounts } from '../core/issue';
import { buildPipelineGraph, findDuplicateProducers, orderTransforms, type PipelineGraph } from '../graph/pipeline-graph';
import { applyOverlay, type Overlay } from '../manifest/overlay';
import { loadManifests, type LoadedManifest } from '../manifest/load';
import { checkGovernance } from './governance-layer';
import { indexManifests } from './manifest-index';
import { resolveReferences, type ResolvedTransform } from './reference-layer';
import { isKnownKind, validateAgainstSchema } from './schema-layer';
import { checkKindAndVersion, checkSemantics } from './semantic-layer';

export interface LintOptions {
  /** Lint every package found below the target. */
  scan?: boolean;
  /** Warnings become errors, and every output DataSet must be classified. */
  strict?: boolean;
  overlay?: Overlay;
}

export interface LintResult {
  root: string;
  issues: Issue[];
  counts: IssueCounts;
  fileCount: number;
  manifests: LoadedManifest[];
  transforms: ResolvedTransform[];
  graph: PipelineGraph;
  /** A file could not be read at all: an I/O failure, exit code 2 on the command line. */
  ioFailure: boolean;
}

/** Loads a package, project or scanned tree and runs every validation layer over it. */
export async function lintPath(target: string, options: LintOptions = {}): Promise<LintResult> {
  const tree = await loadManifests(target, { scan: options.scan ?? false });
  const manifests = options.overlay ? applyOverlay(tree.manifests, options.overlay) : tree.manifests;
  const result = lintManifests(manifests, { ...options, context: tree.context });
  const issues = [...tree.issues, ...result.issues];
  const final = (options.strict ? escalateWarnings(issues) : issues).sort(compareIssues);
  return {
    ...result,
    root: tree.root,
    issues: final,
    counts: countIssues(final),
    fileCount: tree.fileCount,
    manifests,
    ioFailure: tree.ioFailure,
  };
}

/** Layers 1–6 over manifests already loaded. */
export function lintManifests(
  manifests: readonly LoadedManifest[],
  options: Pick<LintOptions, 'strict'> & { context?: readonly LoadedManifest[] } = {},
): { issues: Issue[]; transforms: ResolvedTransform[]; graph: PipelineGraph } {
  const issues: Issue[] = [];
  const valid: LoadedManifest[] = [];
  for (const manifest of manifests) {
    const { issues: kindIssues, known } = checkKindAndVersion(manifest);
    issues.push(...kindIssues);
    if (!known) continue;
    issues.push(...validateAgainstSchema(manifest), ...checkSemantics(manifest));
    valid.push(manifest);
  }
  // Manifests of the enclosing project resolve references but are not reported on.
  const context = (options.context ?? []).filter((m) => m.kind !== undefined && isKnownKind(m.kind));
  const { index, issues: indexIssues } = indexManifests([...valid, ...context]);
  const targetFiles = new Set(valid.map((m) => m.file));
  issues.push(...indexIssues.filter((i) => i.file !== undefined && targetFiles.has(i.file)));
  const { transforms, issues: referenceIssues } = resolveReferences(valid, index);
  issues.push(...referenceIssues);

  const outputDataSets = new Set(transforms.flatMap((t) => t.outputs.map((o) => o.dataset)));
  for (const manifest of valid) issues.push(...checkGovernance(manifest, index, { strict: options.strict ?? false, outputDataSets }));

  const graph = buildPipelineGraph(
    transforms.map((t) => ({
      name: t.name,
      file: t.manifest.file,
      inputs: t.inputs.map((r) => r.dataset),
      outputs: t.outputs.map((r) => r.dataset),
    })),
    [
      ...index.all('DataSet').filter((d) => targetFiles.has(d.file)),
      ...transforms.flatMap((t) => [...t.inputs, ...t.outputs]).flatMap((r) => (r.manifest ? [r.manifest] : [])),
    ].map((d) => ({ name: d.name!, file: d.file })),
  );
  issues.push(...checkGraph(graph, transforms));
  return { issues, transforms, graph };
}

/** Layer 6: cycles and DataSets written by two Transforms. */
function checkGraph(graph: PipelineGraph, transforms: readonly ResolvedTransform[]): Issue[] {
  const issues: Issue[] = [];
  const byName = new Map(transforms.map((t) => [t.name, t]));
  for (const [dataset, producers] of findDuplicateProducers(graph)) {
    for (const producer of producers.slice(1)) {
      const t = byName.get(producer)!;
      const i = t.outputs.findIndex((o) => o.dataset === dataset);
      issues.push(
        createIssue(
          'DK402',
          `DataSet ${JSON.stringify(dataset)} is written by ${producers.join(' and ')}`,
          t.manifest.document.locate(['spec', 'outputs', Math.max(0, i)]),
        ),
      );
    }
  }
  for (const cycle of orderTransforms(graph).cycles) {
    const first = byName.get(cycle[0]!)!;
    issues.push(
      createIssue(
        'DK401',
        `cycle between Transforms ${cycle.join(' → ')} → ${cycle[0]}`,
        first.manifest.document.locate(['spec', 'inputs']),
      ),
    );
  }
  return issues;
}
