export * from './build-catalog';
export * from './codes';
export * from './marquez-sync';
export * from './render';
export * from './run-history';
export type * from './types';
