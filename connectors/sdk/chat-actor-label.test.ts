import { describe, expect, it } from 'vitest';
import { chatActorLabel, chatActorOf } from './chat-actor-label.ts';

// A task's actor label names a chat member by the workspace and member ids Slack signed, so a
// connector can mention them where that workspace reads it; nothing in a name, and no label of
// another kind, can pass for such an id.

describe('chat actor labels', () => {
  it('name the workspace and member by id, then the name, then the hub user', () => {
    expect(chatActorLabel({ platform: 'slack', teamId: 'T1A', userId: 'U0OPS', userName: 'olivia' }, 'ops@acme.example')).toBe('slack:T1A:U0OPS olivia (ops@acme.example)');
    expect(chatActorLabel({ platform: 'slack', teamId: 'T1A', userId: 'U0OPS' }, 'ops@acme.example')).toBe('slack:T1A:U0OPS (ops@acme.example)');
  });

  it('leave the workspace out when the request named none, rather than write an empty one', () => {
    expect(chatActorLabel({ platform: 'slack', teamId: '', userId: 'U0OPS', userName: 'olivia' }, 'ops@acme.example')).toBe('slack:U0OPS olivia (ops@acme.example)');
  });

  it('give back the workspace, member and name of a label they wrote', () => {
    expect(chatActorOf('slack:T1A:U0OPS olivia (ops@acme.example)')).toEqual({ platform: 'slack', teamId: 'T1A', userId: 'U0OPS', name: 'olivia' });
    expect(chatActorOf('slack:E0ORG:W0123ABCD (ops@acme.example)')).toEqual({ platform: 'slack', teamId: 'E0ORG', userId: 'W0123ABCD' });
    // A name with parentheses of its own keeps them; only the last group is the hub user.
    expect(chatActorOf('slack:T1A:U0OPS Olivia (ops) Smith (ops@acme.example)')).toMatchObject({ name: 'Olivia (ops) Smith' });
  });

  it('give back the member of a label written before the workspace was kept, without one', () => {
    expect(chatActorOf('slack:U0OPS olivia (ops@acme.example)')).toEqual({ platform: 'slack', userId: 'U0OPS', name: 'olivia' });
    expect(chatActorOf('slack:W0123ABCD (ops@acme.example)')).toEqual({ platform: 'slack', userId: 'W0123ABCD' });
  });

  it('take no other label for a member', () => {
    for (const label of ['slack:olivia (ops@acme.example)', 'user:ann@acme.example', 'token:ci', 'system', 'slack:U0OPS<!channel> (x@y)', 'slack:T1A:U0OPS<!channel> (x@y)', 'slack:t1a:U0OPS (x@y)', 'Mallory slack:U0BOSS']) {
      expect(chatActorOf(label), label).toBeUndefined();
    }
  });
});
