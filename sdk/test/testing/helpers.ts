import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020, { type AnySchema } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { openLineageDir } from '../helpers/lineage';

/**
 * The official DataQualityAssertionsDatasetFacet schema, compiled by a fresh ajv: the lineage
 * oracle (official-schemas.ts) checks facets by their key and base, and this facet's base is
 * InputDatasetFacet, so on an output dataset it is checked here instead.
 */
const read = (file: string) =>
  JSON.parse(readFileSync(path.join(openLineageDir, file), 'utf8')) as { $id: string } & Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(read('OpenLineage.json') as AnySchema);
const assertionsFile = read('facets/DataQualityAssertionsDatasetFacet.json');
const validateAssertions = ajv.compile(assertionsFile as AnySchema);

export const officialAssertionsSchemaURL = `${assertionsFile.$id}#/$defs/DataQualityAssertionsDatasetFacet`;
export const officialTestRunSchemaURL = `${read('facets/TestRunFacet.json').$id}#/$defs/TestRunFacet`;

export function expectValidAssertionsFacet(facet: unknown): void {
  const valid = validateAssertions({ dataQualityAssertions: facet });
  expect(valid ? [] : validateAssertions.errors, 'problems against DataQualityAssertionsDatasetFacet.json').toEqual([]);
  expect((facet as { _schemaURL?: unknown })._schemaURL).toBe(officialAssertionsSchemaURL);
}
