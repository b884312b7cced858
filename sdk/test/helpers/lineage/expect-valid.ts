import { expect } from 'vitest';
import { officialSchemaProblems } from './official-schemas';

const runEventSchemaURL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

/**
 * Asserts that `event` is a RunEvent DataKit may send: valid against the official OpenLineage
 * schemas (RunEvent and each facet against its own file, checked by a fresh ajv, not by the code
 * under test), with an eventType (the schema leaves it optional) and the RunEvent schemaURL.
 */
export function expectValidRunEvent(event: unknown): void {
  expect(officialSchemaProblems(event), 'problems against the official OpenLineage schemas').toEqual([]);
  const e = event as { eventType?: unknown; schemaURL?: unknown };
  expect(e.eventType, 'eventType').toMatch(/^(START|RUNNING|COMPLETE|ABORT|FAIL)$/);
  expect(e.schemaURL).toBe(runEventSchemaURL);
}
