import type { Context } from 'hono';
import type { KeysetCursor } from '../../core/db/keyset.ts';
import { isUuidText } from '../../core/db/uuid-text.ts';
import { NotFoundError } from '../../core/http/api-error.ts';
import { Timestamp } from '../../schemas/api/common.schema.ts';
import type { AdminEnv } from '../admin-env.ts';
import { formStrings, readForm } from '../form-data.ts';

/** The `:id` path parameter; anything that is not a UUID cannot name a row, so it is a 404. */
export function idParam(c: Context<AdminEnv>, what: string, name = 'id'): string {
  const id = c.req.param(name);
  if (!isUuidText(id)) throw new NotFoundError(what);
  return id.toLowerCase();
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
  return { at: before, id: isUuidText(beforeId) ? beforeId : undefined };
}
