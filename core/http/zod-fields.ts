import type { z } from 'zod';
import type { FieldError } from './api-error.ts';

type Issue = z.core.$ZodIssue;

// A key is the client's input: a long one is cut, as an unknown query parameter's name is.
const MAX_KEY_LENGTH = 100;

/** Per-field errors under a prefix (`config.instanceUrl`); zod messages never echo input values. */
export function zodFieldErrors(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.flatMap((issue) => fieldIssues(issue)).flatMap((issue) => {
    const path = [prefix, ...issue.path.map(String)];
    // Each unknown key on its own path (`body.enabeld`), as an unknown query parameter is, so a
    // client can show it beside the field; zod reports them together on the parent object.
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...path, key.slice(0, MAX_KEY_LENGTH)].join('.'), message: 'unknown field' }));
    return [{ path: path.join('.'), message: issue.message }];
  });
}

/**
 * A value that matches none of a union's shapes: when exactly one shape takes all its keys (the
 * others have keys it does not know), that shape's own errors say what is wrong, on their fields
 * ("everySeconds: expected int"). Otherwise the union's message stands for the whole value.
 */
function fieldIssues(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const fitting = issue.errors.filter((branch) => !branch.some((inner) => inner.code === 'unrecognized_keys' && inner.path.length === 0));
  if (fitting.length !== 1) return [issue];
  return fitting[0]!.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })).flatMap((inner) => fieldIssues(inner));
}
