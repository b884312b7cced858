declare const DK_VERSION: string | undefined;

/** Replaced at bundle time; the source fallback is for tests run from TypeScript. */
export const dkVersion: string = typeof DK_VERSION === 'string' ? DK_VERSION : '0.0.0-dev';
