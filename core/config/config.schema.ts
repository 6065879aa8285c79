import { z } from 'zod';
import { MASTER_KEY_FORMAT, parseMasterKeys } from '../vault/master-keys.ts';

// Every environment variable the hub reads. The README's configuration table mirrors this file;
// a test keeps the two in step.

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .refine((value) => protocols.some((protocol) => value.startsWith(`${protocol}://`)), {
      message: `expected a URL starting with ${protocols.map((protocol) => `${protocol}://`).join(' or ')}`,
    })
    .optional();

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const EnvironmentVariables = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  HUB_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  HUB_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  DATABASE_POOL_SIZE: positiveInt(10),
  REDIS_URL: optionalUrl(['redis', 'rediss']),
  HUB_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, - or _').default('hub'),
  HUB_MASTER_KEYS: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const parsed = parseMasterKeys(value);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `${parsed.error} (expected ${MASTER_KEY_FORMAT})` });
    }),
  HUB_SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  HUB_DEFAULT_TENANT: z.string().regex(/^[a-z0-9-]+$/, 'expected lowercase letters, digits and -').default('default'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type EnvironmentVariables = z.infer<typeof EnvironmentVariables>;

/** One line per variable for the README table and `hub config`. */
export const environmentVariableDocs: Record<keyof EnvironmentVariables, string> = {
  NODE_ENV: '`development`, `production` or `test`. In `production` the hub refuses to start without `HUB_MASTER_KEYS`.',
  PORT: 'HTTP port of the API (processes with role `api` or `all`).',
  HOST: 'Interface the HTTP server binds to.',
  HUB_ROLE: '`api` serves HTTP, `worker` runs jobs, `all` does both in one process.',
  HUB_DATA_DIR: 'Embedded database (PGlite) and generated master key live here.',
  DATABASE_URL: 'PostgreSQL connection string. Unset: embedded PGlite under `HUB_DATA_DIR`.',
  DATABASE_POOL_SIZE: 'PostgreSQL connections per process.',
  REDIS_URL: 'Redis connection string for BullMQ. Unset: the in-process queue (single process only).',
  HUB_QUEUE_PREFIX: 'BullMQ key prefix, so several hubs can share one Redis.',
  HUB_MASTER_KEYS: `Credential vault keys: ${MASTER_KEY_FORMAT}. Unset outside production: one key is generated into \`HUB_DATA_DIR/master.keys\`.`,
  HUB_SHUTDOWN_TIMEOUT_MS: 'How long a graceful shutdown waits for in-flight requests and jobs.',
  HUB_DEFAULT_TENANT: 'Slug of the tenant created on first start.',
  LOG_LEVEL: 'pino log level.',
};
