// A parser for the deliberately small front-matter dialect the runbooks use: `key: value` lines,
// `true`/`false`, `[a, b]` lists, optional quotes, `# comments`. A YAML library would accept far
// more than we want to support, and its errors would not point operators at the runbook line.

export type FrontMatterValue = string | boolean | string[];

export interface FrontMatter {
  data: Record<string, FrontMatterValue>;
  /** 1-based line of each key, so schema errors can point at the offending line too. */
  lines: Record<string, number>;
  /** The document after the closing `---`. */
  body: string;
}

export class FrontMatterError extends Error {
  override name = 'FrontMatterError';
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.file = file;
    this.line = line;
  }
}

const FENCE = '---';
const KEY = /^[a-z][a-z0-9_]*$/;

export function parseFrontMatter(file: string, text: string): FrontMatter {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trimEnd() !== FENCE) {
    throw new FrontMatterError(file, 1, `expected front matter opening with "${FENCE}"`);
  }
  const close = lines.findIndex((line, index) => index > 0 && line.trimEnd() === FENCE);
  if (close === -1) {
    throw new FrontMatterError(file, 1, `front matter opened here is never closed with "${FENCE}"`);
  }

  const data: Record<string, FrontMatterValue> = {};
  const keyLines: Record<string, number> = {};
  for (let index = 1; index < close; index++) {
    const lineNumber = index + 1;
    const fail = (reason: string): never => {
      throw new FrontMatterError(file, lineNumber, reason);
    };
    const content = stripComment(lines[index] ?? '', fail).trim();
    if (content === '') continue;

    const colon = content.indexOf(':');
    if (colon === -1) fail(`expected "key: value", got "${content}"`);
    const key = content.slice(0, colon).trim();
    if (!KEY.test(key)) fail(`invalid key "${key}": use lower-case letters, digits and _`);
    if (Object.hasOwn(data, key)) fail(`duplicate key "${key}" (first on line ${keyLines[key]})`);
    data[key] = parseValue(content.slice(colon + 1).trim(), key, fail);
    keyLines[key] = lineNumber;
  }

  const body = lines.slice(close + 1).join('\n').replace(/^\s*\n/, '');
  return { data, lines: keyLines, body };
}

type Fail = (reason: string) => never;

// A `#` starts a comment only at the line start or after whitespace and outside quotes, so
// values such as `Ticket #42` written in quotes survive.
function stripComment(line: string, fail: Fail): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return line.slice(0, i);
    }
  }
  if (quote) fail(`unterminated ${quote} quote`);
  return line;
}

function parseValue(raw: string, key: string, fail: Fail): FrontMatterValue {
  if (raw === '') return fail(`missing value for "${key}"`);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw.startsWith('[')) {
    if (!raw.endsWith(']')) return fail(`list for "${key}" must close with "]" on the same line`);
    const inner = raw.slice(1, -1).trim();
    if (inner === '') return [];
    return inner.split(',').map((item) => {
      const value = unquote(item.trim());
      if (value === '') fail(`empty item in list for "${key}"`);
      return value;
    });
  }
  return unquote(raw);
}

function unquote(value: string): string {
  const first = value[0];
  if (value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first)) {
    return value.slice(1, -1);
  }
  return value;
}
