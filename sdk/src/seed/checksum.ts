import { createHash } from 'node:crypto';
import { canonicalJson, type SeedColumn, type SeedValue } from './columns';

/** What a checksum covers: the target, the profile, the columns (names, types) and every row. */
export interface ChecksumInput {
  dataset: string;
  target: string;
  profile: string;
  columns: readonly SeedColumn[];
  rows: readonly SeedValue[][];
}

/** sha256 (hex) of the canonical JSON of the seed: equal checksums mean the same table content. */
export function seedChecksum(input: ChecksumInput): string {
  const hash = createHash('sha256');
  hash.update(
    canonicalJson({
      version: 1,
      dataset: input.dataset,
      target: input.target,
      profile: input.profile,
      columns: input.columns.map((c) => [c.name, c.pgType, c.nullable]),
    }),
  );
  // Row by row, so a large seed is never one huge string.
  for (const row of input.rows) hash.update(`\n${canonicalJson(row)}`);
  return `sha256:${hash.digest('hex')}`;
}
