import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A token server as distribution 2.8 expects one (registry/auth/token): JWTs signed ES256 with the
 * signing certificate in the `x5c` header, which the registry verifies against its
 * `auth.token.rootcertbundle`, and claims `iss` = auth.token.issuer, `aud` = auth.token.service
 * (a string), `exp`/`nbf` (60 s leeway), `access` listing the granted actions per repository.
 */
export interface TokenServerOptions {
  issuer: string;
  service: string;
  /** user → password accepted as Basic credentials. */
  users: Record<string, string>;
  certFile: string;
  keyFile: string;
  /** Actions granted to `user` (undefined: anonymous) for a requested scope; default: all asked to users, none to anonymous. */
  grant?: (user: string | undefined, type: string, name: string, actions: string[]) => string[];
}

export interface TokenRequest {
  user: string | undefined;
  service: string | null;
  scopes: string[];
  status: number;
}

export interface TokenServer {
  realm: string;
  requests: TokenRequest[];
  stop(): Promise<void>;
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const key = createPrivateKey(await readFile(options.keyFile));
  const certDer = new X509Certificate(await readFile(options.certFile)).raw.toString('base64');
  const requests: TokenRequest[] = [];
  const grant = options.grant ?? ((user, _type, _name, actions) => (user === undefined ? [] : actions));

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope');
    const user = basicUser(req.headers.authorization, options.users);
    const record: TokenRequest = { user: user === false ? undefined : user, service: url.searchParams.get('service'), scopes, status: 200 };
    requests.push(record);
    if (user === false) {
      record.status = 401;
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    const access = scopes.map((scope) => {
      const [type = '', ...rest] = scope.split(':');
      const actions = (rest.pop() ?? '').split(',').filter((action) => action !== '');
      const name = rest.join(':');
      return { type, name, actions: grant(user, type, name, actions) };
    });
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(
      { typ: 'JWT', alg: 'ES256', x5c: [certDer] },
      { iss: options.issuer, sub: user ?? '', aud: options.service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access },
      key,
    );
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The authenticated user, undefined when anonymous, false when the credentials are wrong. */
function basicUser(header: string | undefined, users: Record<string, string>): string | undefined | false {
  if (!header) return undefined;
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  return colon > 0 && users[user] === decoded.slice(colon + 1) ? user : false;
}

function jwt(header: object, claims: object, key: ReturnType<typeof createPrivateKey>): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  // JWS ES256 wants the raw r||s signature, not DER.
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${base64url(signature)}`;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}
