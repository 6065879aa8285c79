import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.ts';

describe('runbook markdown', () => {
  it('renders headings, lists and code', () => {
    const out = renderMarkdown('## How to fix\n1. Rotate `the key`\n- **bold**').toString();
    expect(out).toContain('<h2>How to fix</h2>');
    expect(out).toContain('<li>Rotate <code>the key</code></li>');
    expect(out).toContain('<strong>bold</strong>');
  });

  it('escapes raw HTML and drops script links', () => {
    const out = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))').toString();
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).not.toContain('href="javascript:');
  });
});
