import { openLineageFacets } from './generated/openlineage-validators.js';
import type { BaseFacet } from './openlineage-types';

export type FacetName = keyof typeof openLineageFacets;

/** The property name a facet goes under (`schema`, `processing_engine`, …), from the official schema file. */
export function facetKey(name: FacetName): string {
  return openLineageFacets[name].key;
}

/** The facet's `_schemaURL`: its schema file's $id and `#/$defs/<FacetName>`. */
export function facetSchemaURL(name: FacetName): string {
  return openLineageFacets[name].schemaURL;
}

/** A facet: its content with `_producer` and `_schemaURL` set. */
export function facet<T extends object>(name: FacetName, producer: string, content: T): T & BaseFacet {
  return { _producer: producer, _schemaURL: facetSchemaURL(name), ...content };
}

/** A facets object from the facets that are present, each under its official key. */
export function facetsOf(entries: ReadonlyArray<readonly [FacetName, BaseFacet | undefined]>): Record<string, BaseFacet> | undefined {
  const facets: Record<string, BaseFacet> = {};
  for (const [name, value] of entries) if (value !== undefined) facets[facetKey(name)] = value;
  return Object.keys(facets).length > 0 ? facets : undefined;
}
