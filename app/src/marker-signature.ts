import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parsePromotionMarker, promotionMarkerPattern, type PromotionMarker } from '@datakit/sdk/promotion';

/**
 * The key the app signs its promotion markers with, derived from its private key: anyone with
 * write access to the gitops repository can edit a pull request's body, so the gate and the
 * merge handler trust who asked (and which source repository to deploy to) only when the marker
 * carries the app's signature. Rotating the private key invalidates older markers (the PR author
 * is then the promoter, until /promote is run again).
 */
export function markerKey(privateKey: string): Buffer {
  return createHash('sha256').update('datakit promotion marker\0').update(privateKey).digest();
}

function signatureOf(fields: Record<string, unknown>, key: Buffer): string {
  return createHmac('sha256', key).update(JSON.stringify(fields)).digest('hex');
}

/** The body with its marker signed (a body without a marker is returned unchanged). */
export function signPromotionMarker(body: string, key: Buffer): string {
  const match = promotionMarkerPattern.exec(body);
  if (!match) return body;
  const fields = JSON.parse(match[1]!) as Record<string, unknown>;
  delete fields.signature;
  const signed = { ...fields, signature: signatureOf(fields, key) };
  return `${body.slice(0, match.index)}<!-- datakit:promotion ${JSON.stringify(signed)} -->${body.slice(match.index + match[0].length)}\n`;
}

/** The marker of a body when the app signed it and nobody changed it since; undefined otherwise. */
export function verifiedPromotionMarker(body: string | null | undefined, key: Buffer): PromotionMarker | undefined {
  const match = promotionMarkerPattern.exec(body ?? '');
  if (!match) return undefined;
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(match[1]!) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { signature, ...rest } = fields;
  if (typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  const expected = Buffer.from(signatureOf(rest, key), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return undefined;
  // Exactly the fields verified, not whatever else the body holds.
  return parsePromotionMarker(`<!-- datakit:promotion ${JSON.stringify(rest)} -->`);
}
