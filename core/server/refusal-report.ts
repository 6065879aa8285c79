import type { RejectionReason, HubMetrics } from '../http/metrics.ts';
import type { Logger } from '../logging/logger.ts';
import { createLimitedLog, LOGGED_PER_WINDOW } from './limited-log.ts';

/** A request refused before any handler saw it, and the answer it got. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
  reason: RejectionReason;
  /** How loud one is: a client that let its headers time out is routine, one that overflowed them is not. */
  level: 'warn' | 'info';
}

export interface RefusedRequest {
  requestId: string;
  remoteAddress: string | undefined;
  /** Node's code for what its parser refused (HPE_INVALID_METHOD, …): a constant, never the bytes sent. */
  parserError?: string | undefined;
}

export interface RefusalReport {
  refused(refusal: Refusal, request: RefusedRequest): void;
  /** Logs what the limit still holds back, so a stop loses no count. */
  stop(): void;
}

// A client sending malformed requests in a loop must not turn into as many log lines (limited-log.ts);
// hub_http_rejected_total counts every one.
export { LOGGED_PER_WINDOW, WINDOW_MS } from './limited-log.ts';

const HELD_BACK = `more requests were refused than are logged (${LOGGED_PER_WINDOW} a minute); all are counted in hub_http_rejected_total`;

/**
 * Counts each refusal in hub_http_rejected_total and logs it with what it was and who sent it,
 * never the request's bytes (its headers may carry Authorization or cookies).
 */
export function createRefusalReport(logger: Logger, metrics: HubMetrics, now: () => number = Date.now): RefusalReport {
  const log = createLimitedLog(logger, now);
  return {
    refused(refusal, request) {
      metrics.httpRejected.inc({ reason: refusal.reason });
      const { reason, code, status, level } = refusal;
      const { requestId, remoteAddress, parserError } = request;
      log.write(
        reason,
        { level, fields: { reason, code, status, requestId, remoteAddress, ...(parserError ? { parserError } : {}) }, message: 'request refused before routing' },
        { level, fields: { reason, code, status }, message: HELD_BACK },
      );
    },
    stop: log.stop,
  };
}
