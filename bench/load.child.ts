import autocannon from 'autocannon';
import { createDeliveries, eventIdsOf } from './deliveries.ts';
import { collectGarbageBeforeTheClock, type LoadMessage, type MaxLoadSpec } from './load.ts';

// Closed-loop load at the server's maximum rate: autocannon, 64 connections each sending the next
// request as soon as the last one is answered. It runs in a process of its own because the servers
// under test live in the bench's process, and a load generator sharing their event loop would
// measure itself as much as them. (A worker thread would do, except that autocannon skips its
// result aggregation off the main thread.)

const spec = JSON.parse(process.argv[2] ?? '{}') as MaxLoadSpec;
const report = (message: LoadMessage) => process.send?.(message, () => process.exit(0));
const deliveries = createDeliveries(spec.secret, spec.poolSize, spec.cycle);
const acknowledged: string[] = [];

collectGarbageBeforeTheClock();
process.send?.({ started: true } satisfies LoadMessage);
autocannon(
  {
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    method: 'POST',
    requests: [
      {
        setupRequest(request) {
          const delivery = deliveries.next();
          return { ...request, method: 'POST', headers: delivery.headers, body: delivery.body };
        },
        // Kept as strings and parsed after the run, so the timed loop does as little as it can.
        onResponse(status, body) {
          if (status >= 200 && status < 300 && body) acknowledged.push(body);
        },
      },
    ],
  },
  (error, result) => {
    if (error) {
      report({ ok: false, message: String(error) });
      return;
    }
    report({
      ok: true,
      result: {
        durationSeconds: result.duration,
        requests: result.requests.total,
        requestsPerSecond: result.requests.total / result.duration,
        latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
        ok2xx: result['2xx'],
        non2xx: result.non2xx,
        statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0])),
        errors: result.errors,
        timeouts: result.timeouts,
        sentWithoutAnswer: result.requests.sent - result.requests.total,
        signedDuringRun: deliveries.signedDuringRun(),
        acknowledgedEventIds: acknowledged.flatMap(eventIdsOf),
      },
    });
  },
);
