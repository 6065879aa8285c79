import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The process-wide Prometheus registry with the HTTP metrics every module reports into. */
export interface HubMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  httpRejected: Counter<'reason'>;
}

export function createMetrics(): HubMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hub_' });
  return {
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
      help: 'Requests refused before reaching a handler, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
