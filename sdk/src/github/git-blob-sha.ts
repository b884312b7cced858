import { createHash } from 'node:crypto';

/** The object id git (and GitHub) gives a file's content: sha1 over "blob <size>\0<bytes>". */
export function gitBlobSha(content: string | Uint8Array): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
