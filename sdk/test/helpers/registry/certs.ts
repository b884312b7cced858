import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './process';

export interface TlsFiles {
  /** PEM of the CA that signed the server certificate: what a client must trust. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A throw-away CA and a server certificate for 127.0.0.1 and localhost signed by it. */
export async function makeServerCertificate(dir: string): Promise<TlsFiles> {
  const caFile = path.join(dir, 'ca.crt');
  const caKey = path.join(dir, 'ca.key');
  const certFile = path.join(dir, 'server.crt');
  const keyFile = path.join(dir, 'server.key');
  const csr = path.join(dir, 'server.csr');
  const extensions = path.join(dir, 'server.ext');
  await run('openssl', ['req', '-x509', ...ecKey, '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=DataKit Test CA']);
  await run('openssl', ['req', ...ecKey, '-keyout', keyFile, '-out', csr, '-subj', '/CN=localhost']);
  await writeFile(
    extensions,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    caFile,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    '2',
    '-extfile',
    extensions,
  ]);
  return { caFile, certFile, keyFile };
}

/** A self-signed EC P-256 certificate and key for signing registry tokens (ES256). */
export async function makeSigningCertificate(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = path.join(dir, 'token-signing.crt');
  const keyFile = path.join(dir, 'token-signing.key');
  await run('openssl', [
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=DataKit Test Token Issuer',
  ]);
  return { certFile, keyFile };
}
