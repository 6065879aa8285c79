import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from './cli-error.ts';
import { expiryOf } from './token.command.ts';

// `hub token create --expires`: what the API takes for a timestamp, or a bare date read as
// midnight UTC; never `new Date()`'s guesses.

const savedTz = process.env['TZ'];
afterEach(() => {
  if (savedTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = savedTz;
});

const refusal = (text: string) => `--expires must be ${/^\d{4}-\d{2}-\d{2}T/.test(text) ? 'a UTC timestamp such as 2030-01-31T12:00:00Z' : 'an ISO date such as 2030-01-31'} (${text} is not)`;

describe('token create --expires', () => {
  it('reads a bare date as midnight UTC and a UTC timestamp as written, whatever the machine\'s time zone', () => {
    process.env['TZ'] = 'America/New_York';
    expect(expiryOf('2030-01-15').toISOString()).toBe('2030-01-15T00:00:00.000Z');
    expect(expiryOf('2030-01-15T10:00:00Z').toISOString()).toBe('2030-01-15T10:00:00.000Z');
    expect(expiryOf('9999-12-31T23:59:59.999Z').toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it.each([
    // V8's fallback parser read "dec" as December: 2030-12-01.
    '2030-01-15 dec',
    // Local time of the machine running the CLI: ambiguous, and not how the hub writes times.
    '2030-01-15T10:00',
    // Past the year 9999, which the API refuses and cannot answer with.
    '9999-12-31T23:59:59.999-01:00',
    '+010000-01-01T00:00:00Z',
    '0000-12-31',
    // Dates that do not exist, which Date rolls over.
    '2030-02-30',
    '2030-13-01',
    'next week',
    '',
  ])('refuses %j', (text) => {
    const error = (() => {
      try {
        expiryOf(text);
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(refusal(text));
  });
});
