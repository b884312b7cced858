import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'contracts/test/**/*.test.ts',
      'sdk/test/**/*.test.ts',
      'cli/test/**/*.test.ts',
      'actions/*/test/**/*.test.ts',
      'app/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
