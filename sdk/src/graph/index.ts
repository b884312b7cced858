export * from './pipeline-graph';
export * from './render';
