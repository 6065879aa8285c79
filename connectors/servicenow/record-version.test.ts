import { describe, expect, it } from 'vitest';
import { recordVersion } from './mappers.ts';

const record = { sys_id: 'a1', sys_mod_count: '3', short_description: 'x' };

describe('ServiceNow record version', () => {
  it('is the same for a pushed and a polled copy of one change', () => {
    expect(recordVersion({ type: 'incident.update', externalId: 'a1', payload: record })).toBe('a1@3');
    expect(recordVersion({ type: 'incident.updated', externalId: 'a1', payload: { ...record, short_description: 'y' } })).toBe('a1@3');
    expect(recordVersion({ type: 'u_grc_incident.insert', externalId: 'a1', payload: { ...record, sys_mod_count: 0 } })).toBe('a1@0');
  });

  it('is none for a delete, a record without sys_mod_count, or another record than the event names', () => {
    expect(recordVersion({ type: 'incident.delete', externalId: 'a1', payload: record })).toBeUndefined();
    expect(recordVersion({ type: 'incident.update', externalId: 'a1', payload: { sys_id: 'a1' } })).toBeUndefined();
    expect(recordVersion({ type: 'incident.update', externalId: 'b2', payload: record })).toBeUndefined();
    expect(recordVersion({ type: 'failure.rate_limited', externalId: null, payload: { code: 'rate_limited' } })).toBeUndefined();
  });
});
