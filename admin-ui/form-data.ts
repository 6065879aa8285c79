// Reading urlencoded form bodies as parsed by Hono (`parseBody({ all: true })` or plain).

export type FormBody = Record<string, string | File | Array<string | File>>;

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
