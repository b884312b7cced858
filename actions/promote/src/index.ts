/**
 * The action's entry point (bundled to dist/index.js by ncc). All the work happens in main.ts.
 */
import { run } from './main';

await run();
