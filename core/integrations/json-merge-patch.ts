// RFC 7396 JSON Merge Patch, for PATCH of an integration's config: the keys a patch names replace
// the stored ones, `null` removes a key, nested objects merge the same way, and anything else
// (arrays, strings, numbers) replaces what was there whole.

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const merged: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = mergePatch(merged[key], value);
  }
  return merged;
}
