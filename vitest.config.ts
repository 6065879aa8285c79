import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    // Integration files each create their own database and queue prefix, so files may run in
    // parallel; the machine has two cores, more workers only add contention.
    maxWorkers: 2,
    // Generous: process-level tests boot real hubs, and CI machines are shared (a loaded machine
    // has taken over a minute to start an embedded hub: PGlite's start and the migrations).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
