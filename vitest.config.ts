import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // e2e suites each start a server and a browser; two cores do not gain from running them side by side.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
