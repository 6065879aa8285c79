import { ZodError } from 'zod';
import { ConnectorError, TRANSIENT_CODES, type FailureCode } from '../../connectors/sdk/failure.ts';
import { storableText } from '../../connectors/sdk/storable-text.ts';
import { databaseErrorSummary, isDatabaseError, isDatabaseUnavailable } from '../db/postgres-errors.ts';
import { QueryTimeoutError } from '../db/postgres.pool.ts';
import { SecretDecryptionError } from '../vault/secret-box.ts';

export interface Failure {
  code: FailureCode;
  message: string;
  transient: boolean;
  retryAfterMs?: number;
  /** Neither the upstream nor a person's setting explains it: the error is worth a log line of its own. */
  unexpected?: true;
}

const MAX_MESSAGE = 500;

/** Any error raised while running a connector, as a failure code and a message safe to store. */
export function toFailure(error: unknown): Failure {
  if (error instanceof ConnectorError) {
    return {
      code: error.code,
      message: storableText(error.message, MAX_MESSAGE),
      transient: error.transient,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    };
  }
  if (error instanceof ZodError) {
    const fields = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    return { code: 'config_invalid', message: storableText(`configuration or credentials are not valid: ${fields}`, MAX_MESSAGE), transient: false };
  }
  if (error instanceof SecretDecryptionError) {
    return { code: 'config_invalid', message: storableText(`stored credentials cannot be decrypted: ${error.message}`, MAX_MESSAGE), transient: false };
  }
  if (error instanceof QueryTimeoutError) {
    // Its message names the limit (no secrets in it): the runbook tells this case apart by it.
    return { code: 'database_unavailable', message: `${error.message}; it is tried again`, transient: true };
  }
  if (isDatabaseUnavailable(error)) {
    // Storing a page or settling the run failed on the hub's side: the upstream did nothing wrong,
    // and the work can be done again once the database answers.
    const name = error instanceof Error ? error.name : typeof error;
    return { code: 'database_unavailable', message: `the hub's database failed during the run (${name}); it is tried again`, transient: true };
  }
  if (isDatabaseError(error)) {
    // Refused, not unreachable: a schema older or newer than the process (a migration not applied,
    // processes of two versions), a configured limit, or a bug. Trying again does the same; blaming
    // the upstream would send the operator to the wrong runbook. Its text may quote stored data, so
    // only the schema names it gives are kept; the log line has the rest.
    return { code: 'database_error', message: `the hub's database refused a statement of the run (${databaseErrorSummary(error)}); see the hub's log for this run`, transient: false, unexpected: true };
  }
  // A connector bug or an unexpected upstream shape: not a person's configuration problem, and
  // retrying will not help. Only the error's name is kept, since its text may quote upstream data.
  const name = error instanceof Error ? error.name : typeof error;
  return { code: 'upstream_bad_response', message: `unexpected ${name} while talking to the upstream system`, transient: false, unexpected: true };
}

export function isTransient(code: string): boolean {
  return TRANSIENT_CODES.has(code as FailureCode);
}

export const MAX_RUN_ATTEMPTS = 3;

/**
 * The longest Retry-After a run is re-queued for (a wait up to the HTTP client's maxRetryAfterMs,
 * 60 s, is sat out inside the run). Past it the run fails now, as rate_limited with its task, and a
 * poll is tried again by the stream's next schedule: a stream waiting hours in silence looks healthy
 * while its data goes stale (and a value past year 275760 is no date at all).
 */
export const MAX_RETRY_WAIT_MS = 60 * 60_000;

/** When a transient failure is tried again: as the upstream asked, else 5 s, 10 s, 20 s … up to 5 min. */
export function retryDelayMs(failure: Failure, attempt: number): number {
  if (failure.retryAfterMs !== undefined) return failure.retryAfterMs;
  return Math.min(5 * 60_000, 5_000 * 2 ** Math.max(0, attempt - 1));
}
