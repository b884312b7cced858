/** One challenge of a WWW-Authenticate header; the scheme in lower case, parameter names too. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const tokenChars = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Parses a WWW-Authenticate header (RFC 7235): several challenges, parameters with token or
 * quoted-string values, commas inside quotes and backslash escapes included.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  let i = 0;
  const skip = (chars: RegExp): void => {
    while (i < header.length && chars.test(header[i] ?? '')) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < header.length && tokenChars.test(header[i] ?? '')) i++;
    return header.slice(start, i);
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const name = token();
    if (name === '') {
      i++;
      continue;
    }
    skip(/\s/);
    if (header[i] === '=' && current) {
      i++;
      skip(/\s/);
      current.params[name.toLowerCase()] = header[i] === '"' ? quoted() : bare();
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    challenges.push(current);
  }
  return challenges;

  /** Unquoted values are tokens by the RFC, but realms are often sent bare: read up to a comma or space. */
  function bare(): string {
    const start = i;
    while (i < header.length && !/[\s,]/.test(header[i] ?? '')) i++;
    return header.slice(start, i);
  }

  function quoted(): string {
    let value = '';
    i++;
    while (i < header.length && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      value += header[i];
      i++;
    }
    i++;
    return value;
  }
}
