import { ConnectorError } from './failure.ts';

// A write that must not take effect twice (a message posted, a note or a file added) is sent once.
// When it fails in a way that may have reached the upstream — a timeout, a reset connection, a 5xx —
// nobody can tell whether it took effect, and the error that would normally make the runtime try
// again later (network_error, upstream_unavailable are transient) must not: a second run would
// post the second copy. Only failures that prove the upstream did not act stay transient.

/**
 * A write the upstream may or may not have carried out. It keeps the failure code (and so the
 * runbook) of what went wrong, but is not transient: neither the call nor the runtime repeats it,
 * since a person checking the upstream is better than a second copy.
 */
export class OutcomeUnknown extends ConnectorError {
  override name = 'OutcomeUnknown';

  constructor(failure: ConnectorError, message: string) {
    super(failure.code, message, failure.status === undefined ? {} : { status: failure.status });
  }

  override get transient(): boolean {
    return false;
  }
}

/**
 * Whether `error` proves the upstream did not act on the request: it refused it with 429 before
 * acting, or the request never left (breaker open, connection refused, no token to send it with).
 * Not a 408: a gateway answers it too when the service behind it was slow, and may have acted.
 */
export function provesNotTaken(error: ConnectorError): boolean {
  return error.status === 429 || error.code === 'circuit_open' || error.notSent;
}

/**
 * The error a write that must not happen twice ends with: a transient failure that may have reached
 * the upstream becomes the OutcomeUnknown `unknown` makes of it; anything else is returned as it is.
 */
export function unlessProvenNotTaken(error: unknown, unknown: (failure: ConnectorError) => OutcomeUnknown): unknown {
  if (!(error instanceof ConnectorError) || !error.transient || provesNotTaken(error)) return error;
  return unknown(error);
}

/** Sends a write once (`send` must not retry by itself), failing as unlessProvenNotTaken says. */
export async function sendOnce<T>(send: () => Promise<T>, unknown: (failure: ConnectorError) => OutcomeUnknown): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw unlessProvenNotTaken(error, unknown);
  }
}
