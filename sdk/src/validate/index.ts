export * from './cron';
export * from './did-you-mean';
export * from './lint';
export * from './report';
export { isKnownKind } from './schema-layer';
export type { ResolvedRef, ResolvedTransform } from './reference-layer';
