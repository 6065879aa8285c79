import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { startSeriesAtZero } from './metrics.zero-series.ts';

/**
 * Why a request was refused before any handler saw it: a body past the limit, or (refused while
 * Node parsed it, see core/server/client-error.ts) a request line and headers past 16 KB, headers
 * or a body that never finished, malformed HTTP, an HTTP/1.1 request without Host.
 */
export const REJECTION_REASONS = ['body_too_large', 'header_too_large', 'request_timeout', 'malformed', 'missing_host'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** The process-wide Prometheus registry with the HTTP metrics every module reports into. */
export interface HubMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  httpRejected: Counter<'reason'>;
  runs: Counter<'connector' | 'kind' | 'status'>;
  webhooks: Counter<'connector' | 'outcome'>;
  webhooksByPreviousSecret: Counter<'connector'>;
  events: Counter<'source'>;
  scheduledPollsSkipped: Counter<'connector'>;
}

/** `connectors`: those the hub offers, whose series start at 0 rather than at their first count. */
export function createMetrics(connectors: readonly AnyConnector[] = []): HubMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hub_' });
  const metrics: HubMetrics = {
    registry,
    httpDuration: new Histogram({
      name: 'hub_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    httpRejected: new Counter({
      name: 'hub_http_rejected_total',
      help: `Requests refused before reaching a handler, by reason (${REJECTION_REASONS.join(', ')})`,
      labelNames: ['reason'],
      registers: [registry],
    }),
    runs: new Counter({
      name: 'hub_runs_total',
      help: 'Finished run attempts by connector, kind (poll, check, action) and status (succeeded, failed, retrying)',
      labelNames: ['connector', 'kind', 'status'],
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'hub_webhooks_total',
      help: 'Inbound webhook deliveries by connector and outcome (accepted, duplicate, rejected_signature, unknown_integration, invalid, too_large, aborted, answered, handshake, interaction; a body too large, or aborted because its sender hung up or stalled before it all arrived, is given up on before its integration is read, so under connector "unknown")',
      labelNames: ['connector', 'outcome'],
      registers: [registry],
    }),
    webhooksByPreviousSecret: new Counter({
      name: 'hub_webhooks_previous_secret_total',
      help: 'Inbound webhook deliveries verified by the credentials a change replaced (within HUB_WEBHOOK_SECRET_GRACE_SECONDS): the sender still signs with the old secret',
      labelNames: ['connector'],
      registers: [registry],
    }),
    events: new Counter({
      name: 'hub_events_total',
      help: 'Events recorded, by source (poll, webhook, system)',
      labelNames: ['source'],
      registers: [registry],
    }),
    scheduledPollsSkipped: new Counter({
      name: 'hub_scheduled_polls_skipped_total',
      help: 'Schedule fires that made no run because a scheduled run of the same stream was already waiting (behind a long run)',
      labelNames: ['connector'],
      registers: [registry],
    }),
  };
  startSeriesAtZero(metrics, connectors, REJECTION_REASONS);
  return metrics;
}
