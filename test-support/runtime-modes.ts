import type { TestHubOptions } from './test-hub.ts';

/** The two ways the hub runs; runtime tests run in both. */
export const RUNTIME_MODES: Array<{ name: string; options: Pick<TestHubOptions, 'database' | 'queue'> }> = [
  { name: 'PostgreSQL + BullMQ', options: { database: 'postgres', queue: 'bullmq' } },
  { name: 'embedded PGlite + in-process queue', options: { database: 'pglite', queue: 'memory' } },
];
