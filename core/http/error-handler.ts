import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from '../logging/logger.ts';
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

/** The single mapping from thrown errors to the error JSON. Unknown errors never leak details. */
export function handleError(error: Error, c: Context, logger: Logger): Response {
  if (error instanceof ApiError) {
    return c.json(errorBody(error), error.status as ContentfulStatusCode);
  }
  logger.error({ err: { name: error.name, message: error.message, stack: error.stack }, requestId: c.get('requestId') }, 'unhandled error');
  return c.json({ error: { code: 'internal_error', message: 'internal error; see the server log for request ' + c.get('requestId') } }, 500);
}
