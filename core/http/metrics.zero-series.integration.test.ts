import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';

// Alerts such as rate(hub_runs_total{status="failed"}[5m]) or absent() need the series before the
// first failure: a fresh hub reports every outcome it can count, at 0, bounded by connector type.

let test: TestHub;
beforeAll(async () => {
  test = await startTestHub({ label: 'metrics_zero' });
});
afterAll(async () => {
  await test?.close();
});

it('serves every known outcome at 0 before anything happened', async () => {
  const response = await test.request('get', '/metrics');
  expect(response.status).toBe(200);
  const lines = (await response.text()).split('\n');
  for (const series of [
    'hub_runs_total{connector="servicenow",kind="poll",status="failed"}',
    'hub_runs_total{connector="servicenow",kind="poll",status="retrying"}',
    'hub_runs_total{connector="servicenow",kind="check",status="failed"}',
    'hub_runs_total{connector="slack",kind="action",status="failed"}',
    'hub_webhooks_total{connector="servicenow",outcome="rejected_signature"}',
    'hub_webhooks_total{connector="slack",outcome="interaction"}',
    'hub_webhooks_total{connector="unknown",outcome="too_large"}',
    'hub_webhooks_total{connector="unknown",outcome="aborted"}',
    'hub_webhooks_previous_secret_total{connector="servicenow"}',
    'hub_events_total{source="system"}',
    'hub_scheduled_polls_skipped_total{connector="servicenow"}',
    'hub_http_rejected_total{reason="header_too_large"}',
    'hub_http_rejected_total{reason="malformed"}',
  ]) {
    expect(lines).toContain(`${series} 0`);
  }
  // Only what a connector can report: Slack has no streams to poll, ServiceNow sends no handshakes.
  expect(lines.filter((line) => line.startsWith('hub_runs_total{connector="slack",kind="poll"'))).toEqual([]);
  expect(lines.filter((line) => line.startsWith('hub_webhooks_total{connector="servicenow",outcome="handshake"'))).toEqual([]);
});
