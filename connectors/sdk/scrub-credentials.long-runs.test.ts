import { describe, expect, it } from 'vitest';
import { withinCpuBudget } from './cpu-budget.testing.ts';
import { withoutCredentials } from './scrub-credentials.ts';

// An upstream writes its error text, and the scrubber runs on the thread every request and job of
// the process shares. Text built to make a pattern retry at every position (long runs of word
// characters, dashes, spaces, quotes, separators, schemes, JWT headers) must cost no more than
// reading it once, and must not make a credential after it slip through.

const TEXT_CHARS = 64 * 1024;

/** `unit` repeated to TEXT_CHARS characters. */
function runOf(unit: string): string {
  return unit.repeat(Math.ceil(TEXT_CHARS / unit.length)).slice(0, TEXT_CHARS);
}

const ADVERSARIAL: Record<string, string> = {
  'word characters': runOf('a'),
  dashes: runOf('-'),
  'words and dashes': runOf('a-'),
  'words, underscores and dashes': runOf('a_-'),
  spaces: runOf(' '),
  'double quotes': runOf('"'),
  'single quotes': runOf("'"),
  'equals signs': runOf('='),
  colons: runOf(':'),
  'Bearer schemes': runOf('Bearer '),
  'a Bearer scheme and spaces': `Bearer ${runOf(' ')}"`,
  'JWT headers': runOf('eyJ'),
  'JWT headers and dashes': runOf('eyJ-'),
  'JWT headers and dots': runOf('eyJa.'),
  'a JWT segment, then headers and dashes': `eyJa.${runOf('eyJ-')}`,
  'credential names': runOf('password'),
  'credential names and dashes': runOf('password-'),
  'credential names and underscores': runOf('api_key_'),
  'credential names and spaces': runOf('token '),
  'credential names and equals signs': runOf('secret='),
  'credential names and colons': runOf('password: '),
  'quoted credential names': runOf('"password":"'),
  'a credential name and spaces': `password${runOf(' ')}x`,
  'a credential name, a separator and spaces': `password=${runOf(' ')}&`,
  'credential names and schemes': runOf('token=Bearer '),
};

/**
 * Why a time bound: the cost sits inside the regular expression engine, where nothing can be
 * counted from JavaScript. The bound is generous on purpose: linear scrubbing takes a few
 * milliseconds for 64 KB, backtracking took from seconds (quadratic) to over an hour (cubic).
 */
const BUDGET_MS = 200;

const CREDENTIALS_AFTER = ' client_secret=canary-one "password": "canary-two" api-key=canary-three Bearer canary-four-0123456789 canary-known-secret';

describe('withoutCredentials on text built to make its patterns backtrack', () => {
  for (const [shape, text] of Object.entries(ADVERSARIAL)) {
    it(`scrubs 64 KB of ${shape} in one pass, and the credentials after them`, () => {
      const scrubbed = withinCpuBudget(BUDGET_MS, () => withoutCredentials(`${text}\n${CREDENTIALS_AFTER}`, ['canary-known-secret']));
      expect(scrubbed).not.toContain('canary-');
      expect(scrubbed.endsWith(' client_secret=[redacted] "password": [redacted] api-key=[redacted] Bearer [redacted] [redacted]')).toBe(true);
    });
  }
});

// The patterns start only where a run of word characters and dashes starts; the fields and tokens
// that start elsewhere (inside another field's value, after a dash or a dot) are redacted all the same.
describe('withoutCredentials, where a field or a JWT starts inside other text', () => {
  it('redacts a credential field inside the value of a field that is not one', () => {
    expect(withoutCredentials('callback url=https://x.example/cb?password=canary-pw was refused', [])).toBe('callback url=https://x.example/cb?password=[redacted] was refused');
    expect(withoutCredentials('state=open=api_key=canary-key', [])).not.toContain('canary-key');
  });

  it('redacts fields whatever their case and however their name is joined', () => {
    expect(withoutCredentials('X-API-KEY: canary-upper-1 and -Session-Id=canary-dash-2', [])).toBe('X-API-KEY: [redacted] and -Session-Id=[redacted]');
  });

  it('redacts a JWT after a dash and keeps what stands before it', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdmMtZ3JjIn0.c2lnbmF0dXJl';
    expect(withoutCredentials(`ref-${jwt} expired`, [])).toBe('ref-[redacted] expired');
    expect(withoutCredentials(`ref-eyJ-${jwt}`, [])).toBe('ref-[redacted]');
  });

  it('redacts a JWT that follows a dotted word', () => {
    expect(withoutCredentials('from host.eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln now', [])).toBe('from host.[redacted] now');
  });
});
