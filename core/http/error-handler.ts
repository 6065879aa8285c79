import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../logging/logger.ts';
import { isDatabaseUnavailable } from '../db/postgres-errors.ts';
import { runbookPath } from '../runbooks/failure-codes.ts';
import { ApiError } from './api-error.ts';

export interface ErrorBody {
  error: { code: string; message: string; runbook?: string; fields?: Array<{ path: string; message: string }> };
}

export function errorBody(error: ApiError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.runbook ? { runbook: error.runbook } : {}),
      ...(error.fields ? { fields: error.fields } : {}),
    },
  };
}

// How long a client is asked to wait when the database failed for a reason that passes.
export const RETRY_AFTER_SECONDS = 5;

/** The answer to a request the database failed for a reason that passes (isDatabaseUnavailable). */
export const DATABASE_UNAVAILABLE: ErrorBody = {
  error: { code: 'database_unavailable', message: `the hub's database did not complete the request; try again in ${RETRY_AFTER_SECONDS} seconds`, runbook: runbookPath('database_unavailable') },
};

/** The single mapping from thrown errors to the error JSON. Unknown errors never leak details. */
export function handleError(error: Error, c: Context, logger: Logger): Response {
  if (error instanceof ApiError) {
    return c.json(errorBody(error), error.status as ContentfulStatusCode);
  }
  if (isDatabaseUnavailable(error)) {
    // A restart, a failover, a deadlock that outlived its retries: the same request can succeed in
    // a moment, so the client is told so (503) rather than that the hub is broken (500).
    logger.warn({ err: { name: error.name, message: error.message }, requestId: c.get('requestId') }, 'database unavailable for a request');
    c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    return c.json(DATABASE_UNAVAILABLE, 503);
  }
  logger.error({ err: { name: error.name, message: error.message, stack: error.stack }, requestId: c.get('requestId') }, 'unhandled error');
  return c.json({ error: { code: 'internal_error', message: 'internal error; see the server log for request ' + c.get('requestId') } }, 500);
}
