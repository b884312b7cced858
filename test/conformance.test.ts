/**
 * Conformance with the existing Go implementation's manifests (shared/conformance/datakit-reference),
 * read in place. Each verdict is pinned; where it differs from what the old implementation did,
 * `reason` says why.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { orderTransforms, upstreamOf } from '../sdk/src/graph';
import { lintPath, type LintResult } from '../sdk/src/validate';

const reference = path.resolve(import.meta.dirname, '../../shared/conformance/datakit-reference');
const at = (p: string) => path.join(reference, p);

interface Verdict {
  /** A file or directory below datakit-reference/. */
  target: string;
  scan?: boolean;
  valid: boolean;
  /** Still valid with --strict (only for valid targets). */
  strictValid?: boolean;
  /** The error codes expected, each with the line it must be reported on (`DK301@9`, file-relative). */
  errors?: string[];
  reason?: string;
}

const verdicts: Verdict[] = [
  // Recorded verdicts (shared/conformance/README.md).
  ...['connector', 'dataset-group', 'store', 'transform'].map((n) => ({ target: `sdk/manifest/testdata/valid/${n}.yaml`, valid: true })),
  {
    target: 'sdk/manifest/testdata/valid/dataset.yaml',
    valid: false,
    errors: ['DK301@9'],
    reason:
      'valid as its kind (it parses and matches the DataSet schema: no DK1xx), but the governance rule of ARCHITECTURE.md §2 makes a pii: true field in an `internal` DataSet an error; the old implementation did not check it.',
  },
  { target: 'sdk/manifest/testdata/invalid/malformed.yaml', valid: false, errors: ['DK100@5'] },
  { target: 'sdk/manifest/testdata/invalid/missing-metadata.yaml', valid: false, errors: ['DK106@1'] },
  ...['pipeline-full', 'transform-basic', 'transform-with-datasets'].map((n) => ({
    target: `sdk/validate/testdata/valid/${n}.yaml`,
    valid: true,
    strictValid: true,
  })),
  { target: 'sdk/validate/testdata/invalid/missing-name.yaml', valid: false, errors: ['DK106@3'] },
  { target: 'cli/cmd/testdata/invalid-package', valid: false, errors: ['DK105@4', 'DK106@6', 'DK106@8'] },
  { target: 'cli/cmd/testdata/valid-pipeline', valid: true, strictValid: true },
  { target: 'tests/e2e/testdata/valid-pipeline', valid: true, strictValid: true },
  { target: 'tests/e2e/testdata/invalid-package', valid: false, errors: ['DK110@5', 'DK106@6', 'DK106@7'] },
  { target: 'tests/e2e/testdata/multi-transform', valid: true, strictValid: true },

  // No recorded verdict: pinned here.
  {
    target: 'sdk/validate/testdata/invalid/missing-dataset-ref.yaml',
    valid: true,
    reason:
      'a lone Transform file declares no DataSets, so its references are external (DK205 note), as for the valid-pipeline packages the old tests call valid; linted inside a tree that declares DataSets, an unknown name is DK201.',
  },
  {
    target: 'sdk/validate/testdata/invalid/pii-no-classification.yaml',
    valid: false,
    errors: ['DK106@5'],
    reason: 'despite its name the file has no outputs (the old E231); spec.outputs is required.',
  },
  { target: 'sdk/validate/testdata/valid/dataset-bindings/datasets/my-source/dataset.yaml', valid: true, strictValid: true },
  {
    target: 'sdk/validate/testdata/valid/dataset-bindings/bindings.yaml',
    valid: false,
    errors: ['DK102@1'],
    reason: 'an old-format bindings list, not a manifest: discovery skips it, and naming it directly is refused as a non-mapping document.',
  },
  { target: 'quickstart-demo', valid: true, strictValid: true },
  { target: 'examples/kafka-s3-pipeline', valid: true, strictValid: true },
  {
    target: 'examples/dbt-reporting',
    valid: false,
    errors: ['DK304@8'],
    reason:
      'the Store holds a literal password in its connection string (dkuser:dkpassword@); the Connector has provider but no type (DK120 warning).',
  },
  {
    target: 'examples/k8s-dbclaim-pipeline',
    valid: false,
    errors: ['DK114@9'],
    reason: 'DataSet k8s-cluster-data has none of table, prefix or topic.',
  },
  {
    target: 'examples/reactive-pipeline',
    valid: false,
    errors: ['DK301@13', 'DK201@21', 'DK201@25'],
    reason:
      'enriched-events has a pii field but is classified internal, and its column lineage names a DataSet "users" that the project does not declare.',
  },
  {
    target: 'demos/k8s-report/transforms/k8s-collector',
    valid: true,
    strictValid: false,
    reason:
      'Store k8s-local has an empty connection (DK120 warning; an error with --strict, which also wants the parquet outputs classified).',
  },
  {
    target: 'demos/k8s-report/transforms/s3-to-postgres',
    valid: false,
    errors: ['DK304@8'],
    reason: 'Store pg-warehouse has a literal password in its connection string.',
  },
  {
    target: 'demos/k8s-report',
    scan: true,
    valid: false,
    errors: ['DK304@8'],
    reason:
      'both packages declare Store s3-raw, differently (one adds no_rotate); each package resolves to its own copy, so that is not ambiguous. The password in pg-warehouse is.',
  },
  {
    target: 'examples/dbt-reporting/dbt_project.yml',
    valid: false,
    errors: ['DK106@1'],
    reason: 'dbt files are skipped by discovery (no DataKit apiVersion); named directly, they are not manifests.',
  },
];

const cache = new Map<string, Promise<LintResult>>();
function lint(target: string, scan: boolean, strict: boolean): Promise<LintResult> {
  const key = `${target}|${scan}|${strict}`;
  if (!cache.has(key)) cache.set(key, lintPath(at(target), { scan, strict }));
  return cache.get(key)!;
}

describe('conformance with the existing implementation', () => {
  for (const verdict of verdicts) {
    it(`${verdict.target}: ${verdict.valid ? 'valid' : 'invalid'}`, async () => {
      const result = await lint(verdict.target, verdict.scan ?? false, false);
      const errors = result.issues.filter((i) => i.severity === 'error');
      if (verdict.valid) {
        expect(errors.map((e) => `${e.code} ${e.message}`)).toEqual([]);
      } else {
        const found = errors.map((e) => `${e.code}@${e.line}`);
        for (const expected of verdict.errors ?? []) expect(found).toContain(expected);
        expect(errors.length).toBeGreaterThan(0);
        for (const error of errors) {
          expect(error.file, `${error.code} is located`).toBeDefined();
          expect(error.line, `${error.code} has a line`).toBeGreaterThan(0);
        }
      }
      if (verdict.strictValid !== undefined) {
        const strict = await lint(verdict.target, verdict.scan ?? false, true);
        expect(strict.counts.errors === 0, `--strict verdict of ${verdict.target}`).toBe(verdict.strictValid);
      }
    });
  }

  it('lints every file of the reference without crashing, each one reached by a pinned verdict', async () => {
    const all = (readdirSync(reference, { recursive: true }) as string[]).filter((f) => /\.(ya?ml)$/.test(f)).map((f) => at(f));
    const covered = new Set<string>();
    for (const verdict of verdicts) {
      const result = await lint(verdict.target, verdict.scan ?? false, false);
      for (const m of result.manifests) covered.add(m.file);
      for (const issue of result.issues) if (issue.file) covered.add(issue.file);
    }
    // Files that discovery rightly skips (dbt models, bindings) are linted one by one here.
    for (const file of all.filter((f) => !covered.has(f))) {
      const result = await lintPath(file);
      expect(result.issues.length + result.manifests.length, file).toBeGreaterThan(0);
      covered.add(file);
    }
    expect(all.filter((f) => !covered.has(f))).toEqual([]);
    // The whole tree at once, too: no exception, every issue located.
    const whole = await lintPath(reference, { scan: true });
    expect(whole.manifests.length).toBeGreaterThan(70);
    for (const issue of whole.issues) expect(issue.file, issue.message).toBeDefined();
  });

  it('multi-transform is a project of 3 transforms, 4 datasets and 6 edges, run in order', async () => {
    const { graph } = await lint('tests/e2e/testdata/multi-transform', false, false);
    expect(graph.transforms).toHaveLength(3);
    expect(graph.datasets).toHaveLength(4);
    expect(graph.edges).toHaveLength(6);
    expect(orderTransforms(graph)).toEqual({ order: ['extract', 'transform-etl', 'load-report'], cycles: [] });
    const upstream = upstreamOf(graph, 'final-report');
    expect(upstream.transforms.map((t) => t.name).sort()).toEqual(['extract', 'transform-etl']);
    expect(upstream.transforms.map((t) => t.name)).not.toContain('load-report');
  });

  it('the existing apiVersion group gets one note per file, never a warning', async () => {
    const result = await lint('tests/e2e/testdata/multi-transform', false, false);
    const notes = result.issues.filter((i) => i.code === 'DK118');
    expect(notes).toHaveLength(7);
    expect(notes.every((n) => n.severity === 'info')).toBe(true);
  });
});
