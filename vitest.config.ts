import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Each file gets its own database, queue prefix and Influx database, so files run in parallel.
    pool: 'forks',
    testTimeout: 30_000,
    // Set-up that launches Chromium may wait up to 90 s for it on a loaded machine.
    hookTimeout: 150_000,
    reporters: ['default'],
  },
});
