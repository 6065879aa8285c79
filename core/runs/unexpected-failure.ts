import type { Logger } from '../logging/logger.ts';
import { storableText } from '../../connectors/sdk/storable-text.ts';
import type { Failure } from './failure.ts';

// A run's stored message names only the kind of an unexpected error (its text may quote upstream
// or stored data, and the run is read through the API). The operator and the connector's author
// still need what happened: it goes to the log, once, at the attempt that fails the run.

/** Logs the error behind a failure no upstream answer or setting explains; nothing for the rest. */
export function logUnexpectedFailure(logger: Logger, failure: Failure, error: unknown, fields: Record<string, unknown>): void {
  if (!failure.unexpected) return;
  const detail = error instanceof Error
    ? {
        name: error.name,
        message: storableText(error.message, 1_000),
        ...codeOf(error),
        // Frames only: the first line repeats the message.
        stack: error.stack?.split('\n').slice(1, 16).map((line) => line.trim()),
      }
    : { thrown: typeof error };
  logger.error({ ...fields, code: failure.code, error: detail }, 'run failed on an unexpected error');
}

/** An SQLSTATE or a system error's code, when the error carries one. */
function codeOf(error: Error): { code?: string } {
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? { code } : {};
}
