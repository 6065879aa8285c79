import MarkdownIt from 'markdown-it';
import { raw } from './html.ts';
import type { Html } from './html.ts';

// Runbooks are rendered with raw HTML disabled: any markup in a runbook shows as text, so a runbook
// cannot script the admin UI. markdown-it also refuses javascript:, vbscript: and data: links.
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

export function renderMarkdown(source: string): Html {
  return raw(markdown.render(source));
}
