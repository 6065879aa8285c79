import { z } from 'zod';
import { FailureCode } from '../../core/runbooks/failure-codes.ts';
import { keysetPageQuery, Timestamp } from './common.schema.ts';

export const Run = z.object({
  id: z.uuid(),
  integrationId: z.uuid(),
  kind: z.enum(['poll', 'check', 'action', 'webhook']),
  stream: z.string().nullable(),
  action: z.string().nullable(),
  trigger: z.string(),
  mode: z.string().nullable(),
  idempotencyKey: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  attempts: z.number(),
  queuedAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  latencyMs: z.number().nullable(),
  pages: z.number(),
  records: z.object({ seen: z.number(), new: z.number(), changed: z.number() }),
  payloadHash: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  runbook: z.string().nullable(),
  routeId: z.uuid().nullable(),
  eventId: z.uuid().nullable(),
  result: z.unknown().nullable(),
});
export type Run = z.infer<typeof Run>;

/** One run (GET /api/runs/:id): a run as lists show it, with the action's input, which lists leave out. */
export const RunDetail = Run.extend({
  input: z
    .unknown()
    .nullable()
    .describe('what an action run was asked to do (null for other runs), secret-looking fields `[redacted]`; over 64 KB, a string: the first 64 KB of its JSON text'),
  inputTruncated: z.boolean().describe('`input` was cut at 64 KB and holds the start of its JSON text'),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const RunList = z.object({ runs: z.array(Run) });

export const RunQuery = keysetPageQuery(
  { item: 'run', items: 'runs', time: 'queuedAt' },
  {
    integrationId: z.uuid().optional(),
    status: Run.shape.status.optional(),
    kind: Run.shape.kind.optional(),
    stream: z.string().min(1).optional(),
    errorCode: FailureCode.optional().describe('runs that failed (or last failed) with this code'),
  },
);
export type RunQuery = z.infer<typeof RunQuery>;
