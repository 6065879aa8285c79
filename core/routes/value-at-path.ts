/**
 * The value at a dotted path (`caller.name`, `items.0.id`) in event data, or undefined where the
 * path leads nowhere. Only the data's own properties count: `constructor` or `__proto__` are not
 * payload fields, and a route must not reach past the event into the runtime's objects.
 */
export function valueAtPath(root: unknown, path: string): unknown {
  let value = root;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}
