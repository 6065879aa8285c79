import type { z } from 'zod';
import type { FieldError } from './api-error.ts';

/** Per-field errors under a prefix (`config.instanceUrl`); zod messages never echo input values. */
export function zodFieldErrors(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}
