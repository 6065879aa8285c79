import { describe, expect, it } from 'vitest';
import { OperationRefused } from './operations.types.ts';
import { TaskAlreadyChanged } from './task-already-changed.ts';

// The second of two people acting on a task at once is refused with who was first, as the task's
// actor label, for the chat connector to name the way its alerts do. The label may hold the hub
// user's email: the message, which any connector may show as it is, does not.

describe('a task someone changed first', () => {
  const refusal = new TaskAlreadyChanged({ key: 'TASK-7', status: 'acknowledged', actor: 'slack:T1A:U0OPS olivia (ops@acme.example)' });

  it('is a conflict refusal, so a connector that knows no more still answers politely', () => {
    expect(refusal).toBeInstanceOf(OperationRefused);
    expect(refusal.reason).toBe('conflict');
  });

  it('carries the task, its state and who was first', () => {
    expect(refusal).toMatchObject({ key: 'TASK-7', status: 'acknowledged', actor: 'slack:T1A:U0OPS olivia (ops@acme.example)' });
  });

  it('says what happened without naming anyone, so no email reaches a chat through its message', () => {
    expect(refusal.message).toBe('TASK-7 is already acknowledged; nothing to do.');
  });
});
