import { verify } from '@octokit/webhooks-methods';

/**
 * True when X-Hub-Signature-256 is the HMAC of the body under one of the secrets. Every secret is
 * checked (timing-safe comparison each), so the time taken does not tell which one matched.
 */
export async function verifyWebhookSignature(secrets: readonly string[], body: string, signature: string): Promise<boolean> {
  if (!signature.startsWith('sha256=') || body === '') return false;
  const results = await Promise.all(secrets.map((secret) => verify(secret, body, signature).catch(() => false)));
  return results.includes(true);
}
