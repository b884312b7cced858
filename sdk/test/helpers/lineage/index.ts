export * from './datakit-fixtures';
export * from './expect-valid';
export * from './fake-marquez';
export * from './official-schemas';
export * from './recording-logger';
