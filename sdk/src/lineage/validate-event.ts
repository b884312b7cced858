import type { ErrorObject, ValidateFunction } from 'ajv';
import { DataKitError } from '../core/errors';
import { lineageCodes } from './codes';
import type { FacetName } from './facet';
import * as generated from './generated/openlineage-validators.js';

/** One way an event breaks the official schemas: where (inputs[0].facets.schema.fields[1].name) and what. */
export interface LineageProblem {
  path: string;
  message: string;
}

type FacetBase = (typeof generated.openLineageFacets)[FacetName]['base'];

const facetNames = Object.keys(generated.openLineageFacets) as FacetName[];
const facetValidators: Readonly<Record<FacetName, ValidateFunction>> = generated;

/** The facet known under `key` at a position whose facets extend `base` (documentation differs for jobs and datasets). */
function knownFacet(base: string, key: string): FacetName | undefined {
  return facetNames.find((name) => generated.openLineageFacets[name].base === base && generated.openLineageFacets[name].key === key);
}

function bySchemaURL(url: unknown): FacetName | undefined {
  return facetNames.find((name) => generated.openLineageFacets[name].schemaURL === url);
}

function joinPath(prefix: string, pointer: string): string {
  let out = prefix;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `${error.message ?? 'is invalid'}: ${params.allowedValues.map(String).join(', ')}`;
  }
  return error.message ?? `fails ${error.keyword}`;
}

function problemsOf(validate: ValidateFunction, value: unknown, prefix: string): LineageProblem[] {
  if (validate(value)) return [];
  const seen = new Set<string>();
  const problems: LineageProblem[] = [];
  for (const error of validate.errors ?? []) {
    // allOf/anyOf wrappers repeat what their branches said.
    if (error.keyword === 'anyOf' || error.keyword === 'allOf') continue;
    let path = joinPath(prefix, error.instancePath);
    if (error.keyword === 'required') path = joinPath(path, `/${String((error.params as { missingProperty: string }).missingProperty)}`);
    const problem = { path, message: error.keyword === 'required' ? 'is required' : describe(error) };
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each facet in `facets` against its own schema: the one its key means here, or the one its _schemaURL names. */
function facetProblems(facets: unknown, base: FacetBase | 'InputDatasetFacet' | 'OutputDatasetFacet', path: string): LineageProblem[] {
  if (!isRecord(facets)) return [];
  const problems: LineageProblem[] = [];
  for (const [key, value] of Object.entries(facets)) {
    const at = joinPath(path, `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    const expected = knownFacet(base, key);
    const claimed = isRecord(value) ? value._schemaURL : undefined;
    const name = expected ?? bySchemaURL(claimed);
    if (name === undefined) continue; // a custom facet: the RunEvent schema checked it as a BaseFacet
    if (expected !== undefined && claimed !== undefined && claimed !== generated.openLineageFacets[expected].schemaURL) {
      problems.push({
        path: `${at}._schemaURL`,
        message: `must be ${generated.openLineageFacets[expected].schemaURL} for the ${key} facet`,
      });
    }
    problems.push(...problemsOf(facetValidators[name], value, at));
  }
  return problems;
}

/**
 * Checks an event against the official OpenLineage schemas, precompiled: the RunEvent schema, then
 * each facet against its own schema (which the RunEvent schema does not do: it sees every facet as
 * a BaseFacet). Returns no problems for a valid event.
 */
export function validateRunEvent(event: unknown): LineageProblem[] {
  const problems = problemsOf(generated.RunEvent, event, '');
  if (!isRecord(event)) return problems;
  const { run, job, inputs, outputs } = event;
  if (isRecord(run)) problems.push(...facetProblems(run.facets, 'RunFacet', 'run.facets'));
  if (isRecord(job)) problems.push(...facetProblems(job.facets, 'JobFacet', 'job.facets'));
  for (const [list, name, extra] of [
    [inputs, 'inputs', 'inputFacets'],
    [outputs, 'outputs', 'outputFacets'],
  ] as const) {
    if (!Array.isArray(list)) continue;
    list.forEach((dataset: unknown, index) => {
      if (!isRecord(dataset)) return;
      problems.push(...facetProblems(dataset.facets, 'DatasetFacet', `${name}[${index}].facets`));
      problems.push(
        ...facetProblems(
          dataset[extra],
          extra === 'inputFacets' ? 'InputDatasetFacet' : 'OutputDatasetFacet',
          `${name}[${index}].${extra}`,
        ),
      );
    });
  }
  return problems;
}

/** validateRunEvent, as an error (DK651) listing the problems. */
export function assertValidRunEvent(event: unknown): void {
  const problems = validateRunEvent(event);
  if (problems.length === 0) return;
  throw new DataKitError(
    lineageCodes.invalidEvent,
    `invalid OpenLineage RunEvent: ${problems.map((p) => `${p.path || '(event)'} ${p.message}`).join('; ')}`,
  );
}
