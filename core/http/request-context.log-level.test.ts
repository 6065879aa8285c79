import { describe, expect, it } from 'vitest';
import { captureLog } from '../../test-support/captured-log.ts';
import { createLogger } from '../logging/logger.ts';
import { createMetrics } from './metrics.ts';
import { recordRequest } from './request-context.middleware.ts';

// An orchestrator's probe and Prometheus' scrape come every few seconds from every process; logged
// at info they would be most of an operator's log. Answered, they are debug; refused, still info.

function linesLoggedAtInfo(requests: { method: string; route: string; status: number }[]): (string | number)[] {
  const log = captureLog();
  const logger = createLogger({ level: 'info', destination: log.stream });
  for (const request of requests) recordRequest(logger, createMetrics(), { requestId: 'r', path: request.route, seconds: 0.001, ...request });
  return log.records().map((record) => `${String(record['route'])} ${String(record['status'])}`);
}

describe('the request log line', () => {
  it('is left out at info for an answered health probe, metrics scrape or accepted webhook', () => {
    expect(linesLoggedAtInfo([
      { method: 'GET', route: '/api/health', status: 200 },
      { method: 'GET', route: '/metrics', status: 200 },
      { method: 'POST', route: '/hooks/:integrationId', status: 202 },
    ])).toEqual([]);
  });

  it('is written at info for a failing probe, a refused scrape, a refused delivery and every other route', () => {
    expect(linesLoggedAtInfo([
      { method: 'GET', route: '/api/health', status: 503 },
      { method: 'GET', route: '/metrics', status: 401 },
      { method: 'POST', route: '/hooks/:integrationId', status: 401 },
      { method: 'GET', route: '/api/integrations', status: 200 },
    ])).toEqual(['/api/health 503', '/metrics 401', '/hooks/:integrationId 401', '/api/integrations 200']);
  });
});
