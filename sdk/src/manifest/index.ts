export * from './discover';
export * from './load';
export * from './overlay';
export * from './parse-yaml';
export * from './read-text-file';
