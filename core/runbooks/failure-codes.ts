import { z } from 'zod';
import { FAILURE_CODES } from '../../connectors/sdk/failure.ts';

// Every code the error classifier can emit (the list lives with the connector SDK, which raises
// them). Each one must have runbooks/<code>.md; the runbook repository test fails when the list
// and the runbooks drift apart, so add both together.
export const FailureCode = z.enum(FAILURE_CODES);
export type FailureCode = z.infer<typeof FailureCode>;

export const Severity = z.enum(['critical', 'high', 'medium', 'low']);
export type Severity = z.infer<typeof Severity>;

/** Where tasks, alerts and API errors point an operator. */
export function runbookPath(code: string): string {
  return `runbooks/${code}.md`;
}
