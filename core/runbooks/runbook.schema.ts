import { z } from 'zod';
import { FailureCode, Severity } from './failure-codes.ts';

// Connector names as runbooks refer to them: the connectors the hub has, not planned ones, since an
// operator reads them as where the code can come from. Core must not import specific connectors, so
// the names are listed here; a test keeps them in step with connectors/registry.ts.
export const RunbookConnector = z.enum(['servicenow', 'slack']);
export type RunbookConnector = z.infer<typeof RunbookConnector>;

// Strict, so a misspelt key (`retriable`) is an error rather than silently ignored.
export const RunbookMeta = z.strictObject({
  code: FailureCode,
  title: z.string().min(1),
  severity: Severity,
  retryable: z.boolean(),
  connectors: z.array(RunbookConnector).min(1),
});
export type RunbookMeta = z.infer<typeof RunbookMeta>;

export interface Runbook extends RunbookMeta {
  /** Markdown after the front matter. */
  body: string;
  /** Absolute path of the source file. */
  path: string;
}

// The headings every runbook has, in this order; the UI and alerts can deep-link to them.
export const RUNBOOK_SECTIONS = [
  'What it means',
  'Likely causes',
  'How to confirm',
  'How to fix',
  'How to escalate',
  'Resolves when',
] as const;
