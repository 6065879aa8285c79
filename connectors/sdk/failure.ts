// The failure codes of DESIGN.md. Every error a connector raises carries one, so the runtime can
// decide on retries, open the right remediation task and link its runbook (runbooks/<code>.md).

export const FAILURE_CODES = [
  'auth_invalid',
  'auth_expired',
  'permission_denied',
  'rate_limited',
  'upstream_unavailable',
  'upstream_bad_response',
  'network_error',
  'config_invalid',
  'circuit_open',
  'cursor_expired',
  'signature_invalid',
  'credential_expiring',
  'delivery_failing',
  'endpoint_disabled',
  // The hub's own database, not the upstream, failed mid-run (a restart, a failover, a lost connection).
  'database_unavailable',
  // The hub's database refused a statement of the run (a schema of another version, a limit, a bug).
  'database_error',
  // The process running the run stopped (killed, out of memory) on every attempt of its budget.
  'run_interrupted',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

/** Codes where trying again later can succeed without a person changing anything. */
export const TRANSIENT_CODES: ReadonlySet<FailureCode> = new Set([
  'rate_limited',
  'upstream_unavailable',
  'network_error',
  'circuit_open',
  'database_unavailable',
]);

export interface ConnectorErrorExtra {
  status?: number;
  retryAfterMs?: number;
  cause?: unknown;
  notSent?: boolean;
}

export class ConnectorError extends Error {
  override name = 'ConnectorError';
  readonly code: FailureCode;
  /** Upstream HTTP status, when the failure came from a response. */
  readonly status: number | undefined;
  /** How long the upstream asked us to wait (Retry-After), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /**
   * The request provably never reached the upstream (connection refused, unknown host, no token to
   * send it with), so it cannot have taken effect there: a write that must not happen twice may
   * still be sent again (see outcome-unknown.ts).
   */
  readonly notSent: boolean;

  constructor(code: FailureCode, message: string, extra: ConnectorErrorExtra = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
    this.notSent = extra.notSent ?? false;
  }

  get transient(): boolean {
    return TRANSIENT_CODES.has(this.code);
  }
}

/** `error` marked as never sent, for a failure that happened before the request went out. */
export function markedNotSent(error: unknown): unknown {
  if (!(error instanceof ConnectorError) || error.notSent) return error;
  return new ConnectorError(error.code, error.message, {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.cause === undefined ? {} : { cause: error.cause }),
    notSent: true,
  });
}
