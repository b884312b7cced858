/** Codes of the GitHub adapter (the catalogue lives in @datakit/contracts). */
export const githubCodes = {
  tokenMissing: 'DK708',
  requestFailed: 'DK710',
  concurrentUpdates: 'DK711',
} as const;
