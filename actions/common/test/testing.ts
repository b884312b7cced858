/** Test helpers shared by the action tests (`@datakit/action-common/testing`). */
export * from './dist';
export * from './packages';
export * from './run-action';
