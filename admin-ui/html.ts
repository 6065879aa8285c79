import { html as honoHtml, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

// Every page is a tree of these tagged templates. Interpolated values are escaped unless they are
// themselves templates (or `raw`, used only for markdown-it output and the stylesheet link), so
// text from upstream systems or users cannot inject markup.

export type Html = HtmlEscapedString;

/** hono/html's `html`, restricted to synchronous values so pages render in one pass. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const out = honoHtml(strings, ...values);
  if (out instanceof Promise) throw new Error('templates take resolved values only; await the data first');
  return out;
}

export const nothing: Html = raw('');

export function when(condition: unknown, render: () => Html): Html {
  return condition ? render() : nothing;
}

export { raw };
