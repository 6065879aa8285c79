import type { Context } from 'hono';
import type { KeysetCursor } from '../../core/db/keyset.ts';
import { NotFoundError } from '../../core/http/api-error.ts';
import { Timestamp } from '../../schemas/api/common.schema.ts';
import type { AdminEnv } from '../admin-env.ts';
import { formStrings, readForm } from '../form-data.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `:id` path parameter; anything that is not a UUID cannot name a row, so it is a 404. */
export function idParam(c: Context<AdminEnv>, what: string, name = 'id'): string {
  const id = c.req.param(name);
  if (!id || !UUID.test(id)) throw new NotFoundError(what);
  return id.toLowerCase();
}

export function isUuid(value: string | undefined): value is string {
  return value !== undefined && UUID.test(value);
}

export async function formOf(c: Context<AdminEnv>): Promise<Record<string, string>> {
  return formStrings(await readForm(c));
}

/** A query parameter only when it is one of `allowed`. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.find((candidate) => candidate === value);
}

/** Where the "Older" link says the page starts; a time that is not one leaves it at the first page. */
export function cursorIn(query: Record<string, string>): KeysetCursor | undefined {
  const before = query['before'];
  const beforeId = query['beforeId'];
  if (!before || !Timestamp.safeParse(before).success) return undefined;
  return { at: before, id: isUuid(beforeId) ? beforeId : undefined };
}
