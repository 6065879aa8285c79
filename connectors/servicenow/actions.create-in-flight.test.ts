import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { retryDelayMs, toFailure } from '../../core/runs/failure.ts';
import { LOST_CREATE_SETTLE_MS } from './actions.ts';
import { servicenow } from './connector.ts';
import { testContext } from './test-context.testing.ts';

// create_incident is found again by its correlation id when the runtime runs it again after a lost
// answer. Assumption (not in the fact sheet): a ServiceNow instance keeps working on an insert
// after the client went away, until the REST transaction quota (60 s by default) cancels it. A
// re-run looking the incident up before that insert commits would find nothing and make a second
// one, so the re-run waits until it has settled.

const committed: Array<Record<string, string>> = [];
let server: Server | undefined;
afterEach(() => {
  server?.close();
  committed.length = 0;
});

/** An instance that drops the connection of every create and commits the record 300 ms later. */
function slowInstance(): Promise<string> {
  let created = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'GET') {
        const wanted = (new URL(req.url ?? '/', 'http://x').searchParams.get('sysparm_query') ?? '').replace('correlation_id=', '');
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ result: committed.filter((record) => record['correlation_id'] === wanted) }));
        return;
      }
      created += 1;
      const record = { ...(JSON.parse(body) as Record<string, string>), sys_id: String(created).padStart(32, '0'), number: `INC00${created}` };
      setTimeout(() => committed.push(record), 300);
      req.socket.destroy();
    });
  });
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server!.address() as { port: number }).port}`)));
}

describe('create_incident whose answer was lost while the instance was still inserting it', () => {
  it('is run again only once the insert has settled, and then finds the incident instead of making a second', async () => {
    const { ctx } = testContext({ url: await slowInstance() });
    const action = servicenow.actions!['create_incident']!;
    const input = action.input.parse({ short_description: 'Control C-12 failed' });
    const meta = { idempotencyKey: 'route:r1:e1' };

    const failure = toFailure(await action.run(ctx, input, meta).catch((error: unknown) => error));
    // Still a transient network error, so the runtime runs it again: past the transaction quota.
    expect({ code: failure.code, transient: failure.transient }).toEqual({ code: 'network_error', transient: true });
    expect(retryDelayMs(failure, 1)).toBe(LOST_CREATE_SETTLE_MS);
    expect(LOST_CREATE_SETTLE_MS).toBeGreaterThan(60_000);

    // By then the first insert has committed: the next run finds it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const result = await action.run(ctx, input, meta);
    expect(result.output).toEqual({ number: 'INC001' });
    expect(committed.map((record) => record['number'])).toEqual(['INC001']);
  });
});
