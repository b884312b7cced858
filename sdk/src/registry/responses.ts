import { RegistryError, registryCodes } from './registry-errors';
import type { RegistryHttp, RequestSummary } from './registry-http';

/** Reads at most `limit` bytes of a body as text and drops the rest. */
export async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = Buffer.from(chunk as Uint8Array);
      chunks.push(buffer);
      size += buffer.length;
      if (size >= limit) break;
    }
  } catch {
    // A body cut short still tells what arrived.
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** Frees the connection of an answer whose body is not needed. */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // already consumed or closed
  }
}

/**
 * The whole body of an answer, refused past `limit` bytes; a broken connection becomes a
 * RegistryError for `request`.
 */
export async function readBytes(
  response: Response,
  limit: number,
  request: RequestSummary,
  http: Pick<RegistryHttp, 'convertFailure'>,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        const buffer = Buffer.from(chunk as Uint8Array);
        size += buffer.length;
        if (size > limit) {
          await response.body.cancel();
          throw new RegistryError(registryCodes.manifestTooLarge, `${request.operation}: the answer exceeds ${limit} bytes`);
        }
        chunks.push(buffer);
      }
    }
  } catch (error) {
    throw http.convertFailure(error, request);
  }
  return Buffer.concat(chunks);
}

/** The JSON object in `bytes`; undefined when they hold anything else. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A Content-Type without its parameters. */
export function bareMediaType(contentType: string | null): string | undefined {
  const bare = contentType?.split(';')[0]?.trim();
  return bare ? bare : undefined;
}
