import { describe, expect, it } from 'vitest';
import { formerOperationKeysOf, operationOf } from './run.operation.ts';

describe('operationOf', () => {
  it('names a poll by its stream, an action by its name and a check as such', () => {
    expect(operationOf({ kind: 'poll', stream: 'incident', action: null, route_id: null })).toBe('poll:incident');
    expect(operationOf({ kind: 'action', stream: null, action: 'task_alert.post', route_id: null })).toBe('action:task_alert.post');
    expect(operationOf({ kind: 'check', stream: null, action: null, route_id: null })).toBe('check');
  });

  it("names a route's action by its route too, so one route's success does not settle another's failure", () => {
    expect(operationOf({ kind: 'action', stream: null, action: 'create_issue', route_id: 'r1' })).toBe('action:create_issue:route:r1');
    expect(operationOf({ kind: 'action', stream: null, action: 'create_issue', route_id: 'r2' })).toBe('action:create_issue:route:r2');
  });

  it("lists the key a route's action had before routes were told apart, and none for other runs", () => {
    expect(formerOperationKeysOf({ kind: 'action', stream: null, action: 'create_issue', route_id: 'r1' })).toEqual(['action:create_issue']);
    expect(formerOperationKeysOf({ kind: 'action', stream: null, action: 'task_alert.post', route_id: null })).toEqual([]);
    expect(formerOperationKeysOf({ kind: 'poll', stream: 'incident', action: null, route_id: null })).toEqual([]);
  });
});
