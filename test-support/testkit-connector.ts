import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { PolledRecord } from '../connectors/sdk/connector.types.ts';
import { defineConnector, type AnyConnector } from '../connectors/sdk/define-connector.ts';
import { ConnectorError, type FailureCode } from '../connectors/sdk/failure.ts';

// A connector for testing the runtime: its "upstream" is an in-memory dataset the test controls,
// so a test can change records, script failures and read what actions did, and assert on what
// the runtime made of it. Exercising real HTTP is the ServiceNow connector's tests' job.

export interface ScriptedFailure {
  code: FailureCode;
  retryAfterMs?: number;
  /** Fail after this many pages of the poll were returned (0 = before the first). */
  afterPages?: number;
}

export interface TestkitUpstream {
  records: Map<string, Record<string, unknown>>;
  /** Failures consumed one per poll, check or action, in order. */
  failures: ScriptedFailure[];
  actions: Array<{ input: unknown; idempotencyKey: string }>;
  polls: number;
  /** Resolves a poll that waits between pages (to hold a run open). */
  gate?: Promise<void>;
  /** Resolves an action that waits before it takes effect (to hold an action run open). */
  actionGate?: Promise<void>;
}

const upstreams = new Map<string, TestkitUpstream>();

export function testkitUpstream(dataset: string): TestkitUpstream {
  let upstream = upstreams.get(dataset);
  if (!upstream) {
    upstream = { records: new Map(), failures: [], actions: [], polls: 0 };
    upstreams.set(dataset, upstream);
  }
  return upstream;
}

function failIfScripted(upstream: TestkitUpstream, pagesSoFar: number | undefined): void {
  const next = upstream.failures[0];
  if (!next) return;
  if (pagesSoFar !== undefined && (next.afterPages ?? 0) !== pagesSoFar) return;
  upstream.failures.shift();
  throw new ConnectorError(next.code, `scripted ${next.code}`, next.retryAfterMs === undefined ? {} : { retryAfterMs: next.retryAfterMs });
}

export const TESTKIT_SIGNATURE_HEADER = 'x-testkit-signature';
export const TESTKIT_DELIVERY_HEADER = 'x-testkit-delivery';
/** A verified delivery carrying this header is answered at once with the status it names (a handshake). */
export const TESTKIT_ANSWER_HEADER = 'x-testkit-answer';

export function signTestkit(secret: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

const Config = z.strictObject({ dataset: z.string().min(1), pageSize: z.number().int().min(1).default(2) });
const Credentials = z.strictObject({ auth: z.strictObject({ type: z.literal('bearer'), token: z.string().min(1) }), webhookSecret: z.string().min(8).optional() });
type Cursor = { after: string };

export const testkit: AnyConnector = defineConnector({
  id: 'testkit',
  displayName: 'Test kit',
  description: 'In-memory upstream for runtime tests.',
  config: Config,
  credentials: Credentials,
  auth: [{ type: 'bearer' }, { type: 'webhook_signature', scheme: 'hmac_sha256' }],
  baseUrl: () => 'http://127.0.0.1:9',
  async check(ctx) {
    const upstream = testkitUpstream(ctx.config.dataset);
    failIfScripted(upstream, undefined);
    return { ok: true, detail: `${upstream.records.size} records` };
  },
  streams: {
    items: {
      description: 'Records ordered by id',
      defaultIntervalSeconds: 60,
      async *poll(ctx, cursor, mode) {
        const upstream = testkitUpstream(ctx.config.dataset);
        upstream.polls += 1;
        const after = mode === 'full' ? '' : ((cursor as Cursor | undefined)?.after ?? '');
        const ids = [...upstream.records.keys()].filter((id) => id > after).sort();
        let pages = 0;
        for (let start = 0; start < ids.length || pages === 0; start += ctx.config.pageSize) {
          failIfScripted(upstream, pages);
          const slice = ids.slice(start, start + ctx.config.pageSize);
          const records: PolledRecord[] = slice.map((id) => ({ externalId: id, payload: { id, ...upstream.records.get(id) } }));
          yield { records, cursor: { after: slice.at(-1) ?? after } };
          pages += 1;
          if (upstream.gate) await upstream.gate;
          if (slice.length === 0) break;
        }
        failIfScripted(upstream, pages);
      },
    },
  },
  webhook: {
    secretFields: ['webhookSecret'],
    verify(request, { credentials }) {
      const secret = credentials.webhookSecret;
      const given = request.headers[TESTKIT_SIGNATURE_HEADER];
      if (!secret || !given) return { ok: false, reason: 'missing signature or secret' };
      const expected = Buffer.from(signTestkit(secret, request.rawBody));
      const actual = Buffer.from(given);
      return expected.length === actual.length && timingSafeEqual(expected, actual) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
    },
    respond(request) {
      const status = request.headers[TESTKIT_ANSWER_HEADER];
      if (!status) return undefined;
      // A body and headers of its own, so tests can see what the hub keeps of them.
      return { status: Number(status), headers: { 'content-type': 'text/plain', 'x-frame-options': 'DENY', 'content-length': '999' }, body: 'challenge-ok' };
    },
    parse(request) {
      const body = JSON.parse(request.rawBody.toString('utf8')) as { type: string; id: string; data?: Record<string, unknown> };
      const delivery = request.headers[TESTKIT_DELIVERY_HEADER];
      return [{ ...(delivery ? { deliveryId: delivery } : {}), type: body.type, externalId: body.id, payload: body.data ?? {} }];
    },
  },
  actions: {
    record: {
      description: 'Appends the input to the upstream action log, once per idempotency key',
      input: z.strictObject({ message: z.string().min(1), priority: z.number().optional() }),
      // Like an upstream that finds what a key made before (ServiceNow's correlation id).
      idempotent: true,
      async run(ctx, input, meta) {
        const upstream = testkitUpstream(ctx.config.dataset);
        if (upstream.actionGate) await upstream.actionGate;
        failIfScripted(upstream, undefined);
        const before = upstream.actions.findIndex((action) => action.idempotencyKey === meta.idempotencyKey);
        if (before === -1) upstream.actions.push({ input, idempotencyKey: meta.idempotencyKey });
        const position = before === -1 ? upstream.actions.length : before + 1;
        return { externalId: `action-${position}`, output: { count: upstream.actions.length } };
      },
    },
  },
}) as unknown as AnyConnector;
