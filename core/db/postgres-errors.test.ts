import { describe, expect, it } from 'vitest';
import { toFailure } from '../runs/failure.ts';
import { isDatabaseUnavailable } from './postgres-errors.ts';

// What PGlite and PostgreSQL raise when the hub's own database runs out of something that comes
// back: seen from a real embedded hub whose data directory's disk filled up (SQLSTATE 53100).
// Such a failure once answered webhooks 500 internal_error and failed runs as
// upstream_bad_response, blamed on the upstream and not retried.
function raised(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

describe("the hub's own database failing for a reason that passes", () => {
  it.each([
    ['53100', 'could not extend file "base/5/16556": No space left on device'],
    ['53200', 'out of memory'],
    ['53300', 'sorry, too many clients already'],
    ['58030', 'could not read block 0 in file "base/5/1259": Input/output error'],
    ['57P01', 'terminating connection due to administrator command'],
  ])('counts %s (%s) as the database being unavailable, and fails a run with it as database_unavailable, retried', (code, message) => {
    expect(isDatabaseUnavailable(raised(code, message))).toBe(true);
    expect(toFailure(raised(code, message))).toMatchObject({ code: 'database_unavailable', transient: true });
  });

  it('leaves a configured limit (53400) and a refused value (22P02) to the caller: retrying cannot help', () => {
    expect(isDatabaseUnavailable(raised('53400', 'configuration limit exceeded'))).toBe(false);
    expect(isDatabaseUnavailable(raised('22P02', 'invalid input syntax for type uuid'))).toBe(false);
  });
});
