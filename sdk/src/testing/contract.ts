import type { LoadedManifest } from '../manifest/load';
import type { PlannedDataSet } from '../runner/run-plan';

/** One declared field of an output DataSet, as the checks read it. */
export interface FieldContract {
  name: string;
  /** The declared type as written (integer, string, timestamp, varchar(20), …). */
  type?: string;
  /** `nullable: false`: no row may hold null or leave the column out. */
  nullable?: boolean;
  /** Values of PII fields are never shown in messages, reports or lineage. */
  pii?: boolean;
}

/** spec.quality of a DataSet. */
export interface QualityRules {
  rowCount?: { min?: number; max?: number };
  notNull?: string[];
  unique?: string[];
  acceptedValues?: Record<string, Array<string | number | boolean>>;
}

/** What an output DataSet promises: its declared schema and quality rules. */
export interface DataSetContract {
  dataset: PlannedDataSet;
  fields: FieldContract[];
  quality: QualityRules;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** Reads spec.quality leniently: lint has already reported anything malformed, so it is left out here. */
export function qualityRules(spec: Record<string, unknown>): QualityRules {
  const quality = record(spec.quality);
  if (!quality) return {};
  const rules: QualityRules = {};
  const rowCount = record(quality.rowCount);
  if (rowCount) {
    const min = count(rowCount.min);
    const max = count(rowCount.max);
    if (min !== undefined || max !== undefined)
      rules.rowCount = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  }
  const notNull = strings(quality.notNull);
  if (notNull?.length) rules.notNull = notNull;
  const unique = strings(quality.unique);
  if (unique?.length) rules.unique = unique;
  const accepted = record(quality.acceptedValues);
  if (accepted) {
    const entries = Object.entries(accepted).flatMap(([column, values]): Array<[string, Array<string | number | boolean>]> =>
      Array.isArray(values)
        ? [[column, values.filter((v): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v))]]
        : [],
    );
    if (entries.length > 0) rules.acceptedValues = Object.fromEntries(entries);
  }
  return rules;
}

export function fieldContracts(schema: ReadonlyArray<Record<string, unknown>>): FieldContract[] {
  return schema.flatMap((f): FieldContract[] =>
    typeof f.name === 'string' && f.name !== ''
      ? [
          {
            name: f.name,
            ...(typeof f.type === 'string' ? { type: f.type } : {}),
            ...(typeof f.nullable === 'boolean' ? { nullable: f.nullable } : {}),
            ...(f.pii === true ? { pii: true } : {}),
          },
        ]
      : [],
  );
}

/**
 * The contract of each planned output: its schema (from the plan) and its spec.quality, read from
 * the manifest that declares it (`manifests`: the lint result's, or the Transform's resolved outputs).
 */
export function dataSetContracts(outputs: readonly PlannedDataSet[], manifests: readonly LoadedManifest[]): DataSetContract[] {
  return outputs.map((dataset) => {
    const manifest = manifests.find((m) => m.kind === 'DataSet' && m.name === dataset.name && m.file === dataset.declaredIn);
    const spec = record(manifest?.value.spec) ?? {};
    return { dataset, fields: fieldContracts(dataset.schema), quality: qualityRules(spec) };
  });
}
