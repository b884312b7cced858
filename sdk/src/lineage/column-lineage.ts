import type { Logger } from '../core/logger';
import type { LineageDataSet } from './datakit-job';
import type { InputField, LineageDatasetRef } from './openlineage-types';

/** Splits `from: <dataset>.<column>` (DataSet names have no dots; column names may). */
export function parseFieldSource(from: string): { dataset: string; column: string } | undefined {
  const dot = from.indexOf('.');
  if (dot <= 0 || dot === from.length - 1) return undefined;
  return { dataset: from.slice(0, dot).trim(), column: from.slice(dot + 1).trim() };
}

/**
 * Column lineage of an output DataSet: for each field with `from`, the input field it is derived
 * from, named physically. A `from` naming a DataSet that is not an input of this job is not this
 * job's lineage: it is logged and left out.
 */
export function columnLineageFields(
  output: LineageDataSet,
  inputs: ReadonlyMap<string, LineageDatasetRef>,
  logger: Logger,
): Record<string, { inputFields: InputField[] }> {
  const fields: Record<string, { inputFields: InputField[] }> = {};
  for (const field of output.schema ?? []) {
    if (field.from === undefined) continue;
    const source = parseFieldSource(field.from);
    const input = source === undefined ? undefined : inputs.get(source.dataset);
    if (source === undefined || input === undefined) {
      logger.warn(
        { dataset: output.name, field: field.name, from: field.from },
        `column lineage of ${output.name}.${field.name}: ${field.from} is not a column of an input DataSet of this job; left out`,
      );
      continue;
    }
    const inputField: InputField = { namespace: input.namespace, name: input.name, field: source.column };
    (fields[field.name] ??= { inputFields: [] }).inputFields.push(inputField);
  }
  return fields;
}
