import { describe, expect, it } from 'vitest';
import { routeMatches } from './route.filter.ts';
import { renderTemplate } from './route.template.ts';

const event = { integrationId: 'i1', connector: 'servicenow', type: 'incident.created', payload: { priority: '1', caller: { name: 'Ann' }, count: 3 } };

describe('route filter', () => {
  it('matches on source, connector, exact or prefixed type and payload fields', () => {
    expect(routeMatches({}, event)).toBe(true);
    expect(routeMatches({ connector: 'servicenow', eventType: 'incident.*' }, event)).toBe(true);
    expect(routeMatches({ eventType: 'incident.updated' }, event)).toBe(false);
    expect(routeMatches({ sourceIntegrationId: 'i2' }, event)).toBe(false);
    expect(routeMatches({ fields: { priority: '1', 'caller.name': 'Ann' } }, event)).toBe(true);
    expect(routeMatches({ fields: { priority: 1 } }, event)).toBe(false);
    expect(routeMatches({ fields: { 'caller.missing': 'x' } }, event)).toBe(false);
  });
});

describe('route template', () => {
  it('splices text, keeps whole-placeholder types and walks arrays and objects', () => {
    const scope = { event: { type: 'incident.created', payload: event.payload }, integration: { name: 'SN prod' } };
    expect(
      renderTemplate(
        { summary: 'New {{event.type}} from {{ integration.name }} for {{event.payload.caller.name}}', count: '{{event.payload.count}}', tags: ['{{event.payload.missing}}', 'x'], fixed: 5 },
        scope,
      ),
    ).toEqual({ summary: 'New incident.created from SN prod for Ann', count: 3, tags: ['', 'x'], fixed: 5 });
  });
});
