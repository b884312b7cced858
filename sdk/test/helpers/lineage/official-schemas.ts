import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type AnySchema, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * An oracle independent of the code under test: a fresh ajv over the official OpenLineage schemas,
 * read in place from ../shared/conformance/openlineage (every facet file, not only the ones DataKit
 * emits), so that the precompiled validators are checked against it rather than trusted.
 */

export const openLineageDir = path.resolve(import.meta.dirname, '../../../../../shared/conformance/openlineage');

interface FacetFile {
  /** The file's own schema: { <key>: <facet> } */
  root: ValidateFunction;
  key: string;
  base: string;
  schemaURL: string;
}

function load(): { ajv: Ajv2020; runEvent: ValidateFunction; facets: FacetFile[] } {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const read = (file: string) => JSON.parse(readFileSync(path.join(openLineageDir, file), 'utf8')) as Record<string, unknown>;
  const core = read('OpenLineage.json');
  ajv.addSchema(core as AnySchema);
  const files = readdirSync(path.join(openLineageDir, 'facets')).filter((f) => f.endsWith('.json'));
  const schemas = files.map((f) => read(`facets/${f}`));
  for (const schema of schemas) ajv.addSchema(schema as AnySchema);
  const facets: FacetFile[] = [];
  for (const schema of schemas) {
    const properties = (schema.properties ?? {}) as Record<string, { $ref?: string }>;
    const defs = (schema.$defs ?? {}) as Record<string, { allOf?: Array<{ $ref?: string }> }>;
    for (const [key, property] of Object.entries(properties)) {
      const defName = /^#\/\$defs\/(\w+)$/.exec(property.$ref ?? '')?.[1];
      if (defName === undefined) continue;
      const base = (defs[defName]?.allOf ?? [])
        .map((part) => /OpenLineage\.json#\/\$defs\/(\w+)$/.exec(part.$ref ?? '')?.[1])
        .find(Boolean);
      if (base === undefined) continue;
      facets.push({ root: ajv.getSchema(schema.$id as string)!, key, base, schemaURL: `${schema.$id as string}#/$defs/${defName}` });
    }
  }
  return { ajv, runEvent: ajv.getSchema(`${core.$id as string}#/$defs/RunEvent`)!, facets };
}

const oracle = load();

function errorsOf(validate: ValidateFunction, value: unknown, at: string): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${at}${e.instancePath} ${e.message ?? e.keyword}`);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function facetErrors(facets: unknown, base: string, at: string): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(record(facets) ?? {})) {
    const official = oracle.facets.filter((f) => f.key === key && f.base === base);
    for (const file of official) {
      out.push(...errorsOf(file.root, { [key]: value }, at));
      const claimed = record(value)?._schemaURL;
      if (claimed !== file.schemaURL)
        out.push(`${at}/${key}/_schemaURL is ${String(claimed)}, the official ${key} facet is ${file.schemaURL}`);
    }
  }
  return out;
}

/** Every way `event` breaks the official schemas: the RunEvent, then each facet against its own file. */
export function officialSchemaProblems(event: unknown): string[] {
  const problems = errorsOf(oracle.runEvent, event, '');
  const e = record(event);
  if (!e) return problems;
  problems.push(...facetErrors(record(e.run)?.facets, 'RunFacet', '/run/facets'));
  problems.push(...facetErrors(record(e.job)?.facets, 'JobFacet', '/job/facets'));
  for (const list of ['inputs', 'outputs'] as const) {
    const datasets = Array.isArray(e[list]) ? (e[list] as unknown[]) : [];
    datasets.forEach((dataset, i) => {
      problems.push(...facetErrors(record(dataset)?.facets, 'DatasetFacet', `/${list}/${i}/facets`));
      const extra = list === 'inputs' ? 'inputFacets' : 'outputFacets';
      problems.push(
        ...facetErrors(record(dataset)?.[extra], list === 'inputs' ? 'InputDatasetFacet' : 'OutputDatasetFacet', `/${list}/${i}/${extra}`),
      );
    });
  }
  return problems;
}

/** The official facet files' keys per base (DatasetFacet, RunFacet, …), for tests that enumerate them. */
export function officialFacetKeys(base: string): string[] {
  return oracle.facets.filter((f) => f.base === base).map((f) => f.key);
}
