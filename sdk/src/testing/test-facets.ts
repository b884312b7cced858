/**
 * The test results in lineage: each checked output dataset carries a `dataQualityAssertions`
 * facet (DataQualityAssertionsDatasetFacet) and the run a `test` facet (TestRunFacet), both from
 * the official OpenLineage schemas (../shared/conformance/openlineage/facets). They are added to
 * the run's COMPLETE event after the checks, by post-processing it (see deferred-complete.ts).
 */
import { openLineageFacets } from '../lineage/generated/openlineage-validators.js';
import type { BaseFacet, RunEvent } from '../lineage/openlineage-types';
import { checkLabel, type CheckResult, type TestReport } from './results';

/**
 * Until the lineage validators compile these two facets (sdk/scripts/generate-lineage-validators.mjs),
 * their schema URLs are the ones of the official files, kept here; the generated table wins once it has them.
 */
const knownFacets = openLineageFacets as Readonly<Record<string, { key: string; schemaURL: string } | undefined>>;

export const dataQualityAssertionsSchemaURL: string =
  knownFacets.DataQualityAssertionsDatasetFacet?.schemaURL ??
  'https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet';

export const testRunSchemaURL: string =
  knownFacets.TestRunFacet?.schemaURL ?? 'https://openlineage.io/spec/facets/1-0-1/TestRunFacet.json#/$defs/TestRunFacet';

/** One assertion of DataQualityAssertionsDatasetFacet 1-1-0. */
export interface DataQualityAssertion {
  assertion: string;
  success: boolean;
  column?: string;
  severity?: string;
  name?: string;
  description?: string;
  expected?: string;
  actual?: string;
}

/** One test of TestRunFacet 1-0-1. */
export interface TestExecution {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  severity?: string;
  type?: string;
  description?: string;
  expected?: string;
  actual?: string;
  params?: Record<string, unknown>;
}

/** Every check DataKit runs blocks the test (exit 1) when it fails. */
const severity = 'error';

function actualOf(check: CheckResult): string | undefined {
  return check.observed === null ? undefined : String(check.observed);
}

/** The assertions of one output: the checks that ran (skipped ones and read errors found nothing either way). */
export function dataQualityAssertionsFacet(
  checks: readonly CheckResult[],
  producer: string,
): (BaseFacet & { assertions: DataQualityAssertion[] }) | undefined {
  const assertions = checks
    .filter((c) => c.status === 'passed' || c.status === 'failed')
    .map((c): DataQualityAssertion => {
      const actual = actualOf(c);
      return {
        assertion: c.name,
        success: c.passed,
        ...(c.column !== undefined ? { column: c.column } : {}),
        severity,
        name: checkLabel(c),
        description: c.message,
        ...(c.expected !== undefined ? { expected: c.expected } : {}),
        ...(actual !== undefined ? { actual } : {}),
      };
    });
  return assertions.length === 0 ? undefined : { _producer: producer, _schemaURL: dataQualityAssertionsSchemaURL, assertions };
}

/** The run's tests: every check of every output (skipped ones as `skip`, read errors as `fail`). */
export function testRunFacet(report: TestReport, producer: string): BaseFacet & { tests: TestExecution[] } {
  const tests = report.datasets.flatMap((d) =>
    d.checks.map((c): TestExecution => {
      const actual = actualOf(c);
      return {
        name: `${d.dataset}: ${checkLabel(c)}`,
        status: c.status === 'passed' ? 'pass' : c.status === 'skipped' ? 'skip' : 'fail',
        severity,
        type: c.name,
        description: c.message,
        ...(c.expected !== undefined ? { expected: c.expected } : {}),
        ...(actual !== undefined ? { actual } : {}),
        params: { dataset: d.dataset, ...(c.column !== undefined ? { column: c.column } : {}) },
      };
    }),
  );
  return { _producer: producer, _schemaURL: testRunSchemaURL, tests };
}

/**
 * The event with the test results attached: `run.facets.test`, and `dataQualityAssertions` on
 * each output dataset (matched by position: the report's datasets are the Transform's outputs, in
 * the order the event lists them). The event itself is not changed.
 */
export function withTestFacets(event: RunEvent, report: TestReport): RunEvent {
  const out = structuredClone(event);
  const { producer } = out;
  out.run.facets = { ...out.run.facets, test: testRunFacet(report, producer) };
  report.datasets.forEach((result, i) => {
    const dataset = out.outputs[i];
    const facet = dataQualityAssertionsFacet(result.checks, producer);
    if (dataset && facet) dataset.facets = { ...dataset.facets, dataQualityAssertions: facet };
  });
  return out;
}
