import { z } from 'zod';
import { UPSTREAM_ADDRESS_SETTINGS } from '../../connectors/sdk/upstream-address-policy.ts';
import { MASTER_KEY_FORMAT, MAX_KEY_VERSION, parseMasterKeys } from '../vault/master-keys.ts';

// Every environment variable the hub reads. The README's configuration table documents each one;
// a test keeps the two in step.

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .superRefine((value, ctx) => {
      if (!protocols.some((protocol) => value.startsWith(`${protocol}://`))) {
        ctx.addIssue({ code: 'custom', message: `expected a URL starting with ${protocols.map((protocol) => `${protocol}://`).join(' or ')}` });
      } else if (!URL.canParse(value)) {
        // A port past 65535 or a broken host would otherwise pass here and fail at start with a stack
        // trace. (No host is fine: `postgresql:///hub?host=/var/run/postgresql` names a socket.)
        ctx.addIssue({ code: 'custom', message: 'is not a valid URL (check the host and the port, 1–65535)' });
      }
    })
    .optional();

const positiveInt = (fallback: number, max: number) => z.coerce.number().int().positive().max(max).default(fallback);
// Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer one fires at once, every time.
export const MAX_TIMER_MS = 2_147_483_647;
const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

export const EnvironmentVariables = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  HUB_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  HUB_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  DATABASE_POOL_SIZE: positiveInt(10, 1000),
  DATABASE_PREPARED_STATEMENTS: z.enum(['on', 'off']).default('on'),
  // A statement past this fails and its connection is closed (a silent server after a failover);
  // 0 waits as long as it takes.
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).max(MAX_TIMER_MS).default(30_000),
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
  HUB_MASTER_KEY_ENCRYPT_VERSION: z.coerce.number().int().min(1).max(MAX_KEY_VERSION).optional(),
  HUB_SHUTDOWN_TIMEOUT_MS: positiveInt(10_000, MAX_TIMER_MS),
  HUB_RUN_LEASE_SECONDS: positiveInt(60, MAX_TIMER_SECONDS),
  HUB_RECONCILE_INTERVAL_SECONDS: positiveInt(15, MAX_TIMER_SECONDS),
  HUB_WORKER_CONCURRENCY: positiveInt(4, 1000),
  HUB_BREAKER_OPEN_SECONDS: positiveInt(30, MAX_TIMER_SECONDS),
  // How long replaced credentials still verify webhooks, while the sender switches to the new secret;
  // 0 stops them at once. At most 30 days: an old secret accepted for longer is no rotation.
  HUB_WEBHOOK_SECRET_GRACE_SECONDS: z.coerce.number().int().min(0).max(30 * 86_400).default(86_400),
  // Days of history (finished runs, routed events, hourly health rows) kept; 0 keeps everything. A
  // GRC team's history may be evidence, so nothing is removed unless asked. At most 100 years.
  // Under a week would cut into what the health roll-up looks back over (7 days).
  HUB_HISTORY_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .max(36_500)
    .refine((days) => days === 0 || days >= 7, 'expected 0 (keep everything) or at least 7 days')
    .default(0),
  HUB_PROBE_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // A guessable token would open what it guards: at least 16 characters, no spaces.
  HUB_METRICS_TOKEN: z.string().regex(/^\S{16,}$/, 'expected at least 16 characters and no spaces').optional(),
  HUB_PUBLIC_URL: z.url({ message: 'expected an absolute URL such as https://hub.example.com' }).optional(),
  // Which addresses connectors may connect to (connectors/sdk/upstream-address-policy.ts): `private`
  // keeps on-prem systems on private ranges working, loopback only outside production.
  HUB_UPSTREAM_ADDRESSES: z.enum(UPSTREAM_ADDRESS_SETTINGS).default('private'),
  HUB_DEFAULT_TENANT: z.string().regex(/^[a-z0-9-]+$/, 'expected lowercase letters, digits and -').default('default'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type EnvironmentVariables = z.infer<typeof EnvironmentVariables>;
