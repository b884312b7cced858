/** A ${VAR} reference, the only form a secret may take in a manifest. */
const reference = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const containsReference = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;

export function isSecretReference(value: string): boolean {
  return reference.test(value.trim());
}

/** Key names that hold credentials: password, secret, token, api key, private key, … */
export function isCredentialKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const joined = words.join('');
  if (/(password|passwd|passphrase|secret|token|apikey|accesskey|privatekey|credential|clientsecret|sastoken)/.test(joined)) return true;
  return words.some((w) => w === 'pwd' || w === 'pass' || w === 'auth');
}

/**
 * Finds a credential inside a connection string: user:password@ in a URL, or password=… in a
 * key=value DSN. A ${VAR} password is fine. Returns a description of what was found.
 */
export function findCredentialInString(value: string): string | undefined {
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/@\s:]*):([^@\s/]*)@/i.exec(value.trim());
  if (url && url[2] !== '' && !containsReference.test(url[2]!)) return `a password in the URL (${url[1]}:****@…)`;
  const kv = /(?:^|[\s;])(password|pwd|passwd)\s*=\s*('[^']*'|"[^"]*"|[^\s;]+)/i.exec(value);
  if (kv && !containsReference.test(kv[2]!) && kv[2]!.replace(/['"]/g, '') !== '') return `${kv[1]}=**** in the connection string`;
  return undefined;
}
