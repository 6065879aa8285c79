import { describe, expect, it } from 'vitest';
import { FrontMatterError, parseFrontMatter } from './front-matter.parse.ts';

function errorOf(text: string): FrontMatterError {
  try {
    parseFrontMatter('runbooks/x.md', text);
  } catch (error) {
    expect(error).toBeInstanceOf(FrontMatterError);
    return error as FrontMatterError;
  }
  throw new Error('expected a FrontMatterError');
}

describe('parseFrontMatter', () => {
  it('reads strings, booleans and lists, strips comments and returns the body', () => {
    const text = [
      '---',
      '# a whole-line comment',
      'code: auth_invalid',
      'title: "Ticket #42: quoted"   # trailing comment',
      'severity: high        # one of: critical, high, medium, low',
      'retryable: false',
      "connectors: [servicenow, 'jira', s3]",
      'empty: []',
      '---',
      '',
      '## What it means',
      'Text with # inside stays.',
    ].join('\r\n');
    const { data, lines, body } = parseFrontMatter('runbooks/x.md', text);
    expect(data).toEqual({
      code: 'auth_invalid',
      title: 'Ticket #42: quoted',
      severity: 'high',
      retryable: false,
      connectors: ['servicenow', 'jira', 's3'],
      empty: [],
    });
    expect(lines).toMatchObject({ code: 3, severity: 5, connectors: 7 });
    expect(body).toBe('## What it means\nText with # inside stays.');
  });

  it('names the file and line of each mistake', () => {
    expect(errorOf('# title\n').message).toMatch(/^runbooks\/x\.md:1: expected front matter/);
    expect(errorOf('---\ncode: a\n').message).toMatch(/^runbooks\/x\.md:1: .*never closed/);
    expect(errorOf('---\ncode: a\nno colon here\n---\n').message).toBe('runbooks/x.md:3: expected "key: value", got "no colon here"');
    expect(errorOf('---\nCode: a\n---\n').message).toMatch(/^runbooks\/x\.md:2: invalid key "Code"/);
    expect(errorOf('---\ncode: a\ncode: b\n---\n').message).toBe('runbooks/x.md:3: duplicate key "code" (first on line 2)');
    expect(errorOf('---\ntitle:   # nothing\n---\n').message).toBe('runbooks/x.md:2: missing value for "title"');
    expect(errorOf('---\nconnectors: [jira,\n---\n').message).toMatch(/^runbooks\/x\.md:2: list .* must close/);
    expect(errorOf('---\nconnectors: [jira, , s3]\n---\n').message).toMatch(/^runbooks\/x\.md:2: empty item/);
    expect(errorOf('---\ntitle: "open\n---\n').message).toMatch(/^runbooks\/x\.md:2: unterminated " quote/);
  });

  it('treats keys named like Object members as ordinary keys', () => {
    expect(parseFrontMatter('x.md', '---\nconstructor: a\n---\n').data).toEqual({ constructor: 'a' });
  });
});
