// What a browser would submit for a form left as rendered: a tiny HTML form reader for the
// HTTP tests, so they post the fields the page really has (hidden ones included) rather than a
// hand-made list that drifts from the page. It follows what browsers do to values on the way
// (HTML standard: input stream preprocessing, value sanitization, textarea parsing, form
// submission): a value the page cannot carry must be lost here as it would be in a browser.

function decode(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(Number.parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attr(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? decode(match[1] ?? '') : undefined;
}

function has(tag: string, name: string): boolean {
  return new RegExp(`\\s${name}(\\s|>|=|$)`).test(tag);
}

const NEWLINES = /[\r\n]/g;
// The HTML standard's "valid floating-point number" and "valid date string".
const FLOAT = /^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?$/;
const DATE = /^\d{4,}-\d{2}-\d{2}$/;
const NOT_SUBMITTED = new Set(['submit', 'button', 'reset', 'image', 'file']);

/** An input's value after the browser's value sanitization for its type. */
function sanitized(type: string, value: string): string {
  switch (type) {
    case 'hidden':
    case 'checkbox':
    case 'radio':
      return value;
    case 'url':
    case 'email':
      return value.replace(NEWLINES, '').replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
    case 'number':
      return FLOAT.test(value) ? value : '';
    case 'date':
      return DATE.test(value) ? value : '';
    default:
      // text, search, tel, password and unknown types (read as text): line breaks are stripped.
      return value.replace(NEWLINES, '');
  }
}

function optionValue(option: string): string {
  const open = /^<option\b[^>]*>/.exec(option)?.[0] ?? '';
  const value = attr(open, 'value');
  if (value !== undefined) return value;
  // Without a value attribute the option's text is sent, whitespace collapsed.
  return decode(option.slice(open.length).replace(/<\/option>[\s\S]*$/, '').replace(/<[^>]*>/g, '')).replace(/[\t\n\f\r ]+/g, ' ').trim();
}

/** The form whose action is `action`, as [name, value] pairs in document order (last wins when read). */
export function formFields(page: string, action: string): Array<[string, string]> {
  // The parser sees every CR LF and lone CR in the page as LF (input stream preprocessing).
  const text = page.replace(/\r\n?/g, '\n');
  const start = text.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form with action ${action}`);
  const end = text.indexOf('</form>', start);
  const form = text.slice(start, end);
  const out: Array<[string, string]> = [];
  const re = /<input\b[^>]*>|<select\b[^>]*>[\s\S]*?<\/select>|<textarea\b[^>]*>[\s\S]*?<\/textarea>/g;
  for (const match of form.matchAll(re)) {
    const element = match[0];
    const open = /^<[^>]*>/.exec(element)?.[0] ?? '';
    const name = attr(open, 'name');
    if (!name || has(open, 'disabled')) continue;
    if (element.startsWith('<input')) {
      const type = (attr(open, 'type') ?? 'text').toLowerCase();
      if (NOT_SUBMITTED.has(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !has(open, 'checked')) continue;
      out.push([name, sanitized(type, attr(open, 'value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : ''))]);
    } else if (element.startsWith('<select')) {
      const options = [...element.matchAll(/<option\b[^>]*>[\s\S]*?(?=<option\b|<\/select>)/g)].map((m) => m[0]);
      // With several marked selected, the last one is; with none, the first option that is not disabled.
      const chosen = options.findLast((o) => has(/^<option\b[^>]*>/.exec(o)?.[0] ?? '', 'selected')) ?? options.find((o) => !has(/^<option\b[^>]*>/.exec(o)?.[0] ?? '', 'disabled'));
      if (chosen && !has(/^<option\b[^>]*>/.exec(chosen)?.[0] ?? '', 'disabled')) out.push([name, optionValue(chosen)]);
    } else {
      // The parser drops one line break right after <textarea>.
      const inner = element.replace(/^<textarea\b[^>]*>\n?/, '').replace(/<\/textarea>$/, '');
      out.push([name, decode(inner)]);
    }
  }
  // On submission every line break, in any field, is sent as CR LF.
  const crlf = (value: string) => value.replace(/\r\n|\r|\n/g, '\r\n');
  return out.map(([name, value]) => [crlf(name), crlf(value)]);
}

/** As a record where the last value of a name wins (how the admin UI reads forms). */
export function formRecord(page: string, action: string, overrides: Record<string, string> = {}): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of formFields(page, action)) {
    if (name in record) delete record[name];
    record[name] = value;
  }
  return { ...record, ...overrides };
}
