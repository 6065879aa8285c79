import { describe, expect, it } from 'vitest';
import { refreshMeta } from './auto-refresh.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';

describe('a page that reloads itself', () => {
  it('reloads only when nothing on it can be typed into: a page with a form never does', () => {
    const progress = html`<p>Running: 3 pages</p>`;
    expect(refreshMeta(2, progress).toString()).toBe('<meta http-equiv="refresh" content="2">');
    expect(refreshMeta(undefined, progress).toString()).toBe('');
    expect(refreshMeta(2, html`<p>Running</p><form method="post"><textarea name="note"></textarea></form>`).toString()).toBe('');
  });

  it('is not kept from reloading by text that only reads like a form', () => {
    const typed = '<form> in a record title';
    expect(refreshMeta(2, html`<td>${typed}</td>`).toString()).toContain('http-equiv="refresh"');
  });

  it('puts the refresh in the head of the page, and leaves it out when the body has a form', () => {
    const page = layout({ title: 'Run', refreshSeconds: 2, body: html`<p>Running</p>` }).toString();
    expect(page.slice(0, page.indexOf('</head>'))).toContain('<meta http-equiv="refresh" content="2">');
    const form = layout({ title: 'Task', refreshSeconds: 2, body: html`<form method="post"><input name="note"></form>` }).toString();
    expect(form).not.toContain('http-equiv="refresh"');
  });
});
