import { describe, expect, it } from 'vitest';
import { withinCpuBudget } from './cpu-budget.testing.ts';
import { tokenEndpointReason } from './oauth2-token-reason.ts';
import { MAX_REASON_CHARS } from './upstream-reason.ts';

// A token endpoint's refusal is read on the thread every request and job of the process shares,
// and token endpoints echo the form they were sent: the reason is one short line, without the
// secrets of the request and without anything credential-shaped, however the body is built.

/**
 * Why a time bound: the cost sits inside the regular expression engine, where nothing can be
 * counted from JavaScript. Generous on purpose: such a body takes a few milliseconds to read now,
 * and took from a second to over a minute while the credential patterns backtracked.
 */
const BUDGET_MS = 200;

function cutReason(text: string): string {
  return `${text.slice(0, MAX_REASON_CHARS - 1)}…`;
}

describe('tokenEndpointReason', () => {
  it("gives the error_description alone where the message names the code, the request's secret redacted", () => {
    const payload = { error: 'invalid_client', error_description: 'client secret canary-client-secret is not valid' };
    expect(tokenEndpointReason({ payload, contentType: 'application/json', codeShown: true, secrets: ['canary-client-secret'] })).toBe('client secret [redacted] is not valid');
  });

  it('gives the code and the description where the message does not name the code', () => {
    const payload = { error: 'Client Locked!', error_description: 'too many attempts' };
    expect(tokenEndpointReason({ payload, contentType: 'application/json', codeShown: false, secrets: [] })).toBe('Client Locked!: too many attempts');
  });

  it('reads a description built to make the credential patterns backtrack, its credential redacted', () => {
    const run = 'password-'.repeat(1500);
    const payload = { error: 'invalid_grant', error_description: `refresh_token=canary-refresh ${run}` };
    const reason = withinCpuBudget(BUDGET_MS, () => tokenEndpointReason({ payload, contentType: 'application/json', codeShown: true, secrets: [] }));
    expect(reason).toBe(cutReason(`refresh_token=[redacted] ${run}`));
  });

  it('reads a plain text body of the same kind that Wreck kept as bytes', () => {
    const body = `api-key: canary-key-0123456789 ${'eyJ-'.repeat(3000)}`;
    const reason = withinCpuBudget(BUDGET_MS, () => tokenEndpointReason({ payload: Buffer.from(body), contentType: 'text/plain', codeShown: false, secrets: [] }));
    expect(reason).toBe(cutReason(`api-key: [redacted] ${'eyJ-'.repeat(3000)}`));
  });
});
