import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodFieldErrors } from './zod-fields.ts';

// A client maps field errors onto its own fields by path, so an unknown key must be named by its
// own path, as an unknown query parameter is (`query.state`), not only in the message on its parent.

const Body = z.strictObject({
  name: z.string(),
  enabled: z.boolean().optional(),
  schedule: z.strictObject({ everySeconds: z.number() }).optional(),
});

describe('zodFieldErrors', () => {
  it('puts a misspelt body field on its own path', () => {
    const result = Body.safeParse({ name: 'x', enabeld: false });
    expect(result.success).toBe(false);
    expect(zodFieldErrors(result.error!, 'body')).toEqual([{ path: 'body.enabeld', message: 'unknown field' }]);
  });

  it('names each unknown key, nested ones under their parent', () => {
    const result = Body.safeParse({ name: 'x', Name: 'y', schedule: { everySeconds: 60, every: 5 } });
    expect(result.success).toBe(false);
    const fields = zodFieldErrors(result.error!, 'body');
    expect(fields).toHaveLength(2);
    expect(fields).toEqual(expect.arrayContaining([
      { path: 'body.Name', message: 'unknown field' },
      { path: 'body.schedule.every', message: 'unknown field' },
    ]));
  });

  it('keeps other errors on their fields', () => {
    const result = Body.safeParse({ name: 1 });
    expect(result.success).toBe(false);
    expect(zodFieldErrors(result.error!, 'body')).toEqual([{ path: 'body.name', message: 'Invalid input: expected string, received number' }]);
  });
});
