import { DataKitError } from '../core/errors';

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A resolved value and the secret strings it contains, so that they can be masked wherever shown. */
export interface ResolvedValue {
  value: string;
  secrets: string[];
}

/**
 * Replaces every ${VAR} with the environment's value, at run time only. An unset variable is an
 * error naming the variable and where it was used — never its value.
 */
export function resolveReferences(value: string, env: Readonly<Record<string, string | undefined>>, where: string): ResolvedValue {
  const secrets: string[] = [];
  const missing: string[] = [];
  const resolved = value.replace(reference, (_match, name: string) => {
    const found = env[name];
    if (found === undefined) {
      missing.push(name);
      return '';
    }
    if (found !== '') secrets.push(found);
    return found;
  });
  if (missing.length > 0) {
    throw new DataKitError(
      'DK601',
      `${where} needs ${missing.map((m) => `\${${m}}`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not set`,
      {
        hint: `Export ${missing.join(', ')} in the environment that runs dk (values are read at run time and never stored).`,
      },
    );
  }
  return { value: resolved, secrets };
}

/** Replaces every occurrence of each secret with ****. Longest first, so overlapping secrets mask fully. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)) out = out.split(secret).join('****');
  return out;
}
