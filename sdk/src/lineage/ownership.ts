import type { Owner } from './openlineage-types';

/**
 * An owner as OpenLineage recommends it, a URN: `team:data`, `user:jdoe`. A DataKit owner that is
 * already a URN is kept; an e-mail address is a user; anything else is a team.
 */
export function ownerOf(owner: string): Owner {
  const value = owner.trim();
  if (/^[a-z][a-z0-9_-]*:/i.test(value)) return { name: value };
  return { name: value.includes('@') ? `user:${value}` : `team:${value}` };
}
