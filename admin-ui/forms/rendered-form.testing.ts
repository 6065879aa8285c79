// What a browser would submit for a form left as rendered: a tiny HTML form reader for the
// HTTP tests, so they post the fields the page really has (hidden ones included) rather than a
// hand-made list that drifts from the page.

function decode(text: string): string {
  return text
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

/** The form whose action is `action`, as [name, value] pairs in document order (last wins when read). */
export function formFields(page: string, action: string): Array<[string, string]> {
  const start = page.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form with action ${action}`);
  const end = page.indexOf('</form>', start);
  const form = page.slice(start, end);
  const out: Array<[string, string]> = [];
  const re = /<input\b[^>]*>|<select\b[^>]*>[\s\S]*?<\/select>|<textarea\b[^>]*>[\s\S]*?<\/textarea>/g;
  for (const match of form.matchAll(re)) {
    const element = match[0];
    const open = /^<[^>]*>/.exec(element)?.[0] ?? '';
    const name = attr(open, 'name');
    if (!name) continue;
    if (element.startsWith('<input')) {
      const type = attr(open, 'type') ?? 'text';
      if ((type === 'checkbox' || type === 'radio') && !has(open, 'checked')) continue;
      out.push([name, attr(open, 'value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '')]);
    } else if (element.startsWith('<select')) {
      const options = [...element.matchAll(/<option\b[^>]*>/g)].map((m) => m[0]);
      const chosen = options.find((o) => has(o, 'selected')) ?? options[0];
      if (chosen) out.push([name, attr(chosen, 'value') ?? '']);
    } else {
      const inner = element.replace(/^<textarea\b[^>]*>/, '').replace(/<\/textarea>$/, '');
      out.push([name, decode(inner)]);
    }
  }
  return out;
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
