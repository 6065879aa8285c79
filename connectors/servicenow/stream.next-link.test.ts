import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type ScriptedServer } from '../sdk/scripted-server.testing.ts';
import { perTestServiceNow, pollOnce, type TestContext } from './test-context.testing.ts';

// Credentials go with every request, so the `rel="next"` link of an answer decides nothing about
// where the next request goes: only its path and query are used, on the configured instance. A
// page that ACLs emptied is the one case the stream follows a link (see paging.ts), so each
// instance here answers such a page, with the `next` link the test builds from its own base URL.

const servers: ScriptedServer[] = [];
const instances = perTestServiceNow();
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function server(...args: Parameters<typeof startServer>): Promise<ScriptedServer> {
  const started = await startServer(...args);
  servers.push(started);
  return started;
}

async function instanceLinkingTo(linkFor: (self: string) => string): Promise<ScriptedServer> {
  return server((request, index) =>
    index === 0
      ? { status: 200, headers: { link: `<${linkFor(`http://${String(request.headers.host)}`)}>;rel="next"` }, body: { result: [] } }
      : { status: 200, body: { result: [] } },
  );
}

function contextFor(instance: ScriptedServer): TestContext {
  return instances.context(instance, { credentials: { auth: { type: 'basic', username: 'svc-grc', password: 'secret' } } });
}

describe('ServiceNow streams: where a next link may send the credentials', () => {
  it('never to a host named in the path (`//other-host/…`): the run fails with upstream_bad_response', async () => {
    const other = await server(() => ({ status: 200, body: { result: [] } }));
    const otherHost = new URL(other.url).host;
    const instance = await instanceLinkingTo((self) => `${self}//${otherHost}/api/now/table/incident?sysparm_offset=100&sysparm_limit=100`);
    const context = contextFor(instance);

    const error = await pollOnce(context, 'incident', undefined).catch((e: unknown) => e);

    expect(other.requests).toEqual([]);
    expect(instance.requests).toHaveLength(1);
    expect(error).toMatchObject({ code: 'upstream_bad_response', message: expect.stringContaining('not a page of /api/now/table/incident') });
  });

  it('a link naming another host (a custom domain) is followed on the configured instance only', async () => {
    const other = await server(() => ({ status: 200, body: { result: [] } }));
    const instance = await instanceLinkingTo(() => `${other.url}/api/now/v2/table/incident?sysparm_offset=100&sysparm_limit=100`);
    const context = contextFor(instance);

    await pollOnce(context, 'incident', undefined);

    expect(other.requests).toEqual([]);
    expect(instance.requests.map((r) => r.url)).toEqual([expect.stringMatching(/^\/api\/now\/table\/incident\?/), '/api/now/v2/table/incident?sysparm_offset=100&sysparm_limit=100']);
    expect(instance.requests[1]?.headers.authorization).toBe(`Basic ${Buffer.from('svc-grc:secret').toString('base64')}`);
  });

  it('a link to another table of the instance is refused, not read as this stream', async () => {
    const instance = await instanceLinkingTo((self) => `${self}/api/now/table/sys_user?sysparm_offset=100`);
    const context = contextFor(instance);

    await expect(pollOnce(context, 'incident', undefined)).rejects.toMatchObject({ code: 'upstream_bad_response' });
    expect(instance.requests).toHaveLength(1);
  });
});
