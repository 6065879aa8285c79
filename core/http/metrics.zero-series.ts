import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { EVENT_SOURCES } from '../events/event.query.ts';
import type { HubMetrics } from './metrics.ts';

// A counter's series exists only once incremented, so `rate(hub_runs_total{status="failed"}[5m])`
// had no data (not 0) until the first failure, and absent() and ratio alerts misread it. Every
// combination the hub can report is started at 0 instead: bounded by connector type and by what
// each connector declares (streams, actions, webhooks), never per integration.

const RUN_STATUSES = ['succeeded', 'failed', 'retrying'] as const;
// A check is never retried: it succeeds or fails.
const CHECK_STATUSES = ['succeeded', 'failed'] as const;
const WEBHOOK_OUTCOMES = ['accepted', 'duplicate', 'rejected_signature', 'invalid', 'unknown_integration'] as const;
// A body too large or never finished is given up on before its integration is read, as is an
// address naming none.
const UNKNOWN_CONNECTOR_OUTCOMES = ['unknown_integration', 'too_large', 'aborted'] as const;

/** Creates the zero series of every label combination `connectors` can report. */
export function startSeriesAtZero(metrics: HubMetrics, connectors: readonly AnyConnector[], rejectionReasons: readonly string[]): void {
  for (const reason of rejectionReasons) metrics.httpRejected.inc({ reason }, 0);
  for (const source of EVENT_SOURCES) metrics.events.inc({ source }, 0);
  for (const outcome of UNKNOWN_CONNECTOR_OUTCOMES) metrics.webhooks.inc({ connector: 'unknown', outcome }, 0);
  for (const connector of connectors) {
    const id = connector.id;
    for (const status of CHECK_STATUSES) metrics.runs.inc({ connector: id, kind: 'check', status }, 0);
    if (Object.keys(connector.streams).length > 0) {
      for (const status of RUN_STATUSES) metrics.runs.inc({ connector: id, kind: 'poll', status }, 0);
      metrics.scheduledPollsSkipped.inc({ connector: id }, 0);
    }
    if (Object.keys(connector.actions ?? {}).length > 0) {
      for (const status of RUN_STATUSES) metrics.runs.inc({ connector: id, kind: 'action', status }, 0);
    }
    const webhook = connector.webhook;
    if (webhook) {
      const outcomes = [
        ...WEBHOOK_OUTCOMES,
        ...(webhook.handshake ? ['handshake'] : []),
        ...(webhook.respond ? ['answered'] : []),
        ...(webhook.interact ? ['interaction'] : []),
      ];
      for (const outcome of outcomes) metrics.webhooks.inc({ connector: id, outcome }, 0);
      metrics.webhooksByPreviousSecret.inc({ connector: id }, 0);
    }
  }
}
