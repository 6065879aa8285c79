import type { RejectionReason, HubMetrics } from '../http/metrics.ts';
import type { Logger } from '../logging/logger.ts';

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

// A client sending malformed requests in a loop must not turn into as many log lines: past this
// many a minute per reason, refusals are only counted, and one line says how many were held back.
// hub_http_rejected_total counts every one.
export const LOGGED_PER_WINDOW = 10;
export const WINDOW_MS = 60_000;

interface Window {
  startedAt: number;
  logged: number;
  held: number;
  last?: Refusal;
  flush?: NodeJS.Timeout;
}

/**
 * Counts each refusal in hub_http_rejected_total and logs it with what it was and who sent it,
 * never the request's bytes (its headers may carry Authorization or cookies).
 */
export function createRefusalReport(logger: Logger, metrics: HubMetrics, now: () => number = Date.now): RefusalReport {
  const windows = new Map<RejectionReason, Window>();

  const summarise = (reason: RejectionReason, window: Window): void => {
    clearTimeout(window.flush);
    delete window.flush;
    if (window.held === 0 || !window.last) return;
    const { code, status, level } = window.last;
    logger[level](
      { reason, code, status, notLogged: window.held, perSeconds: WINDOW_MS / 1000 },
      `more requests were refused than are logged (${LOGGED_PER_WINDOW} a minute); all are counted in hub_http_rejected_total`,
    );
    window.held = 0;
  };

  return {
    refused(refusal, request) {
      metrics.httpRejected.inc({ reason: refusal.reason });
      const at = now();
      let window = windows.get(refusal.reason);
      if (!window || at - window.startedAt >= WINDOW_MS) {
        if (window) summarise(refusal.reason, window);
        window = { startedAt: at, logged: 0, held: 0 };
        windows.set(refusal.reason, window);
      }
      window.last = refusal;
      if (window.logged < LOGGED_PER_WINDOW) {
        window.logged += 1;
        const { reason, code, status, level } = refusal;
        const { requestId, remoteAddress, parserError } = request;
        logger[level]({ reason, code, status, requestId, remoteAddress, ...(parserError ? { parserError } : {}) }, 'request refused before routing');
        return;
      }
      window.held += 1;
      if (!window.flush) {
        const held = window;
        // Unref'd: a pending summary never keeps the process up; stop() writes it instead.
        window.flush = setTimeout(() => summarise(refusal.reason, held), held.startedAt + WINDOW_MS - at).unref();
      }
    },
    stop() {
      for (const [reason, window] of windows) summarise(reason, window);
    },
  };
}
