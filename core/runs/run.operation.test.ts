import { describe, expect, it } from 'vitest';
import { operationOf } from './run.operation.ts';

describe('operationOf', () => {
  it('names a poll by its stream, an action by its name and a check as such', () => {
    expect(operationOf({ kind: 'poll', stream: 'incident', action: null })).toBe('poll:incident');
    expect(operationOf({ kind: 'action', stream: null, action: 'create_issue' })).toBe('action:create_issue');
    expect(operationOf({ kind: 'check', stream: null, action: null })).toBe('check');
  });
});
