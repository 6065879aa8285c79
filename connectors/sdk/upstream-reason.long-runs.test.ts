import { describe, expect, it } from 'vitest';
import { withinCpuBudget } from './cpu-budget.testing.ts';
import { commonErrorReason, ERROR_BODY_PREFIX_BYTES, MAX_REASON_CHARS, upstreamReason } from './upstream-reason.ts';

// An upstream's error body is read on the thread every request and job of the process shares: a
// body built to make the credential patterns backtrack must not hold that thread up, and the
// reason read from it is still rid of credentials.

/**
 * Why a time bound: the cost sits inside the regular expression engine, where nothing can be
 * counted from JavaScript. Generous on purpose: such a body takes a few milliseconds to read now,
 * and took from a second to over a minute while the patterns backtracked.
 */
const BUDGET_MS = 200;

function reasonWithinBudget(body: string, contentType: string, secrets: string[] = []): string | undefined {
  return withinCpuBudget(BUDGET_MS, () => upstreamReason({ body: Buffer.from(body), contentType, read: commonErrorReason, secrets }));
}

function cutReason(text: string): string {
  return `${text.slice(0, MAX_REASON_CHARS - 1)}…`;
}

describe('upstreamReason on a body built to make the credential patterns backtrack', () => {
  it('reads a plain text body of credential names and dashes, as long as the prefix it reads', () => {
    const body = 'password-'.repeat(ERROR_BODY_PREFIX_BYTES / 4);
    expect(reasonWithinBudget(body, 'text/plain')).toBe(cutReason(body));
  });

  it("reads a JSON error's message and a detail of words and dashes, the message's credential redacted", () => {
    const detail = 'a-'.repeat((ERROR_BODY_PREFIX_BYTES - 100) / 2);
    const body = JSON.stringify({ error: { message: 'client_secret=canary-first refused', detail } });
    expect(reasonWithinBudget(body, 'application/json')).toBe(cutReason(`client_secret=[redacted] refused: ${detail}`));
  });

  it('redacts a secret the request carried that stands after a run of JWT headers and dashes', () => {
    const body = `${'eyJ-'.repeat(50)} canary-sent-value ${'eyJ-'.repeat(ERROR_BODY_PREFIX_BYTES / 4)}`;
    const reason = reasonWithinBudget(body, 'text/plain', ['canary-sent-value']);
    expect(reason).toBe(cutReason(`${'eyJ-'.repeat(50)} [redacted] ${'eyJ-'.repeat(ERROR_BODY_PREFIX_BYTES / 4)}`));
  });
});
