import { afterAll, describe, expect, it } from 'vitest';
import { embeddedHubs, type EmbeddedHub } from '../../test-support/embedded-hub.ts';
import { formatServiceNowTime, startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { incidentDelivery } from '../../test-support/incidents-to-slack.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// Embedded mode keeps its runs in PGlite and its jobs in the process's memory, so a kill -9 loses
// every job, and what was running is taken back from the database after the restart (README: the
// reconciler re-queues runs whose process died). A sync must then go on from the cursor committed
// with its last page, and a route action run again only where a second run does no more than the
// first (ServiceNow's create incident is found again by its correlation id). The upstreams answer
// slowly, so the kill falls while a page is read or an incident is made but not yet answered.

const hubs = embeddedHubs();
const upstreams: FakeServiceNow[] = [];
afterAll(async () => {
  await hubs.removeAll();
  for (const upstream of upstreams) await upstream.close();
});

async function slowServiceNow(answerDelayMs: number): Promise<FakeServiceNow> {
  const upstream = await startFakeServiceNow({ answerDelayMs });
  upstreams.push(upstream);
  return upstream;
}

async function servicenowIntegration(hub: EmbeddedHub, name: string, config: Record<string, unknown>, webhookSecret?: string): Promise<string> {
  const created = await hub.api('POST', '/api/integrations', {
    connector: 'servicenow', name, config,
    credentials: { auth: { type: 'basic', username: 'svc', password: 'pw-123456' }, ...(webhookSecret ? { webhookSecret } : {}) },
    schedules: SERVICENOW_SCHEDULES_OFF,
  });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  return created.json.id as string;
}

const settled = (status: string): boolean => ['succeeded', 'failed', 'cancelled'].includes(status);

describe('embedded mode killed with kill -9 while runs are under way', { timeout: 180_000 }, () => {
  it('a sync resumes from its last committed page: no record lost, none stored twice', async () => {
    const RECORDS = 120;
    const PAGE_SIZE = 10;
    const servicenow = await slowServiceNow(150);
    // One second apart, so the cursor after a page names that page's last second, not the first.
    const since = Date.now() - 3_600_000;
    const seeded = servicenow.records.seed('incident', RECORDS, (i) => ({ sys_updated_on: formatServiceNowTime(new Date(since + i * 1000)) }));
    const hub = await hubs.started('crash-sync');
    const integrationId = await servicenowIntegration(hub, 'SN polled', { instanceUrl: servicenow.url, pageSize: PAGE_SIZE });
    const sync = await hub.api('POST', `/api/integrations/${integrationId}/sync`, { stream: 'incident' });
    expect(sync.status, JSON.stringify(sync.json)).toBe(202);
    const runId = sync.json.runs[0].id as string;
    await waitFor('three pages committed', async () => (await hub.api('GET', `/api/runs/${runId}`)).json.pages >= 3, 30_000);
    await hub.crash();
    const readBeforeCrash = servicenow.requests.length;

    await hub.start();
    const run = await waitFor('the run settled after the restart', async () => {
      const answer = await hub.api('GET', `/api/runs/${runId}`);
      return settled(answer.json.status) ? answer.json : undefined;
    }, 45_000);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.records.new).toBe(RECORDS);
    const { events } = (await hub.api('GET', `/api/events?integrationId=${integrationId}&limit=500`)).json as { events: Array<{ externalId: string; type: string }> };
    expect(events).toHaveLength(RECORDS);
    expect(new Set(events.map((event) => event.externalId)).size).toBe(RECORDS);
    expect(events.every((event) => event.type === 'incident.created')).toBe(true);
    // It went on from the cursor committed with page 3 or later, not from the start. Each read
    // after the first starts at the second the one before ended in (connectors/servicenow/paging.ts),
    // so three pages end at record 3 * (PAGE_SIZE - 1).
    const firstReadAfterCrash = servicenow.requests.slice(readBeforeCrash).find((request) => request.query['sysparm_limit'] === String(PAGE_SIZE));
    const resumedFrom = /^sys_updated_on>=([^^]+)/.exec(firstReadAfterCrash?.query['sysparm_query'] ?? '')?.[1] ?? '';
    const committedThrough = seeded[3 * (PAGE_SIZE - 1)]?.['sys_updated_on'] ?? '';
    expect(resumedFrom >= committedThrough, `resumed from "${resumedFrom}", page 3 ends at "${committedThrough}"`).toBe(true);
  });

  it('routing finishes after the restart, each route action carried out once upstream', async () => {
    const DELIVERIES = 12;
    const target = await slowServiceNow(400);
    const hub = await hubs.started('crash-routing');
    const webhookSecret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const sourceId = await servicenowIntegration(hub, 'SN incidents', { instanceUrl: 'http://127.0.0.1:9' }, webhookSecret);
    const targetId = await servicenowIntegration(hub, 'SN escalations', { instanceUrl: target.url });
    const route = await hub.api('POST', '/api/routes', {
      name: 'escalate', filter: { sourceIntegrationId: sourceId, eventType: 'incident.*' },
      targetIntegrationId: targetId, action: 'create_incident',
      inputTemplate: { short_description: 'Escalated {{event.externalId}}' },
    });
    expect(route.status, JSON.stringify(route.json)).toBe(201);

    const accepted: string[] = [];
    for (let n = 0; n < DELIVERIES; n++) {
      const response = await fetch(`http://127.0.0.1:${hub.port}/hooks/${sourceId}`, incidentDelivery({ webhookSecret }, n));
      expect(response.status).toBe(202);
      accepted.push(...((await response.json()) as { eventIds: string[] }).eventIds);
    }
    // Incidents are made at once and answered later: at the kill some are made but not answered.
    await waitFor('a few incidents made upstream', async () => target.records.list('incident').length >= 3, 30_000);
    await hub.crash();
    expect(target.records.list('incident').length, 'killed before routing was done').toBeLessThan(DELIVERIES);

    await hub.start();
    const runs = await waitFor('every action run settled', async () => {
      const list = (await hub.api('GET', '/api/runs?kind=action&limit=500')).json.runs as Array<{ status: string; errorCode: string | null; eventId: string }>;
      return list.length === DELIVERIES && list.every((run) => settled(run.status)) ? list : undefined;
    }, 60_000);
    expect(runs.filter((run) => run.status !== 'succeeded').map((run) => run.errorCode)).toEqual([]);
    expect(new Set(runs.map((run) => run.eventId))).toEqual(new Set(accepted));
    const incidents = target.records.list('incident');
    expect(incidents).toHaveLength(DELIVERIES);
    expect(new Set(incidents.map((incident) => incident['short_description'])).size).toBe(DELIVERIES);
    for (const eventId of accepted) expect((await hub.api('GET', `/api/events/${eventId}`)).json.status).toBe('processed');
  });
});
