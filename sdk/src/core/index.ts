export * from './clock';
export * from './errors';
export * from './logger';
export * from './issue';
export * from './retry';
