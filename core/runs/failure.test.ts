import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import { QueryTimeoutError } from '../db/postgres.pool.ts';
import { toFailure } from './failure.ts';

const withCode = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

describe('toFailure', () => {
  it('keeps a message storable in JSON: cut at 500 units between characters, lone surrogates replaced', () => {
    const cut = toFailure(new ConnectorError('config_invalid', `x${'😀'.repeat(400)}`));
    expect(cut.message.length).toBeLessThanOrEqual(500);
    expect(JSON.stringify(cut.message)).not.toMatch(/\\ud[89a-f]/i);
    expect(toFailure(new ConnectorError('upstream_bad_response', 'half \ud83d')).message).toBe('half \ufffd');
  });

  it("keeps a connector's own code", () => {
    expect(toFailure(new ConnectorError('rate_limited', 'GET /x answered 429', { retryAfterMs: 2_000 }))).toMatchObject({ code: 'rate_limited', transient: true, retryAfterMs: 2_000 });
  });

  it("calls a failure of the hub's own database database_unavailable, to be tried again, not the upstream's fault", () => {
    for (const error of [
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('sorry, too many clients already', '53300'),
      withCode('deadlock detected', '40P01'),
      withCode('connection failure', '08006'),
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('Connection terminated unexpectedly'),
      withCode('timeout exceeded when trying to connect'),
    ]) {
      expect(toFailure(error), error.message).toMatchObject({ code: 'database_unavailable', transient: true });
    }
  });

  it('names DATABASE_QUERY_TIMEOUT_MS for a statement past its deadline, as the runbook tells that case apart by it', () => {
    const failure = toFailure(new QueryTimeoutError(30_000));
    expect(failure).toMatchObject({ code: 'database_unavailable', transient: true });
    expect(failure.message).toBe('the database did not answer within 30000 ms (DATABASE_QUERY_TIMEOUT_MS); the connection was closed; it is tried again');
  });

  it('keeps an unexpected error a non-transient upstream_bad_response, naming only its kind', () => {
    expect(toFailure(new TypeError("Cannot read properties of undefined (reading 'secret-ish')"))).toEqual({
      code: 'upstream_bad_response', message: 'unexpected TypeError while talking to the upstream system', transient: false, unexpected: true,
    });
    // A system error's code is no SQLSTATE, though EPERM has five letters.
    expect(toFailure(withCode('operation not permitted', 'EPERM'))).toMatchObject({ code: 'upstream_bad_response' });
  });

  it("calls a statement the hub's database refused database_error, not tried again, naming the schema and no value", () => {
    const refused = Object.assign(new Error('duplicate key value violates unique constraint "integration_runs_idempotency_key_key"'), {
      code: '23505', severity: 'ERROR', table: 'integration_runs', constraint: 'integration_runs_idempotency_key_key', detail: 'Key (idempotency_key)=(secret-ish) already exists.',
    });
    expect(toFailure(refused)).toEqual({
      code: 'database_error',
      message: "the hub's database refused a statement of the run (SQLSTATE 23505, table integration_runs, constraint integration_runs_idempotency_key_key); see the hub's log for this run",
      transient: false,
      unexpected: true,
    });
    const missingColumn = Object.assign(new Error('column "x" does not exist'), { code: '42703', severity: 'ERROR' });
    expect(toFailure(missingColumn)).toMatchObject({ code: 'database_error', message: expect.stringContaining('(SQLSTATE 42703)') });
  });
});
