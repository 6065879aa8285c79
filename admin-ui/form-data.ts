// Reading urlencoded form bodies as parsed by Hono (`parseBody({ all: true })` or plain).

import type { Context } from 'hono';
import { ApiError } from '../core/http/api-error.ts';

export type FormBody = Record<string, string | File | Array<string | File>>;

/** The posted form; a body that claims to be a form and is not one (a cut multipart) is a 400. */
export async function readForm(c: Context): Promise<FormBody> {
  try {
    return (await c.req.parseBody({ all: true })) as FormBody;
  } catch {
    throw new ApiError(400, 'invalid_form', 'the form could not be read: the request body is not a well-formed form');
  }
}

/** The last string value of a field ('' when absent); files are ignored. */
export function formString(form: FormBody, name: string, options: { trim?: boolean } = {}): string {
  const value = form[name];
  const last = Array.isArray(value) ? value.at(-1) : value;
  if (typeof last !== 'string') return '';
  return options.trim === false ? last : last.trim();
}

/** Every field as its last string value. */
export function formStrings(form: FormBody): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(form)) out[name] = formString(form, name, { trim: false });
  return out;
}
