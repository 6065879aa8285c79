import { redactSecrets } from '../logging/redact-secrets.ts';

// An action run's input as GET /api/runs/:id shows it: what the action was asked to do, for the
// operator following a runbook. A rendered route template may run to megabytes: past the bound the
// answer holds the start of its JSON text instead, which says enough to recognise the request.

export const SHOWN_INPUT_BYTES = 64 * 1024;

export interface ShownInput {
  /** The input, secret-looking fields redacted; when cut, the first 64 KB of its JSON text. */
  input: unknown;
  inputTruncated: boolean;
}

/** The first `limit` bytes of `text` as UTF-8, without splitting a character. */
function utf8Prefix(bytes: Buffer, limit: number): string {
  let end = limit;
  // A continuation byte (10xxxxxx) at the cut belongs to a character that started before it.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

export function shownInput(input: unknown): ShownInput {
  if (input === null || input === undefined) return { input: null, inputTruncated: false };
  const redacted = redactSecrets(input);
  const bytes = Buffer.from(JSON.stringify(redacted), 'utf8');
  if (bytes.length <= SHOWN_INPUT_BYTES) return { input: redacted, inputTruncated: false };
  return { input: utf8Prefix(bytes, SHOWN_INPUT_BYTES), inputTruncated: true };
}
