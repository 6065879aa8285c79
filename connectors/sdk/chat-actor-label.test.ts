import { describe, expect, it } from 'vitest';
import { chatActorLabel, chatActorOf } from './chat-actor-label.ts';

// A task's actor label names a chat member by the id Slack signed, so a connector can mention them;
// nothing in a name, and no label of another kind, can pass for such an id.

describe('chat actor labels', () => {
  it('name the member by id, then by name, then the hub user', () => {
    expect(chatActorLabel({ platform: 'slack', teamId: 'T1', userId: 'U0OPS', userName: 'olivia' }, 'ops@acme.example')).toBe('slack:U0OPS olivia (ops@acme.example)');
    expect(chatActorLabel({ platform: 'slack', teamId: 'T1', userId: 'U0OPS' }, 'ops@acme.example')).toBe('slack:U0OPS (ops@acme.example)');
  });

  it('give back the member of a label they wrote, and of none other', () => {
    expect(chatActorOf('slack:U0OPS olivia (ops@acme.example)')).toEqual({ platform: 'slack', userId: 'U0OPS' });
    expect(chatActorOf('slack:W0123ABCD (ops@acme.example)')).toEqual({ platform: 'slack', userId: 'W0123ABCD' });
    for (const label of ['slack:olivia (ops@acme.example)', 'user:ann@acme.example', 'token:ci', 'system', 'slack:U0OPS<!channel> (x@y)', 'Mallory slack:U0BOSS']) {
      expect(chatActorOf(label), label).toBeUndefined();
    }
  });
});
