import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureCode } from './failure-codes.ts';
import { FrontMatterError } from './front-matter.parse.ts';
import { getRunbook, loadRunbooks } from './runbook.repository.ts';
import { RUNBOOK_SECTIONS, type Runbook } from './runbook.schema.ts';

const RUNBOOK_DIR = fileURLToPath(new URL('../../runbooks/', import.meta.url));
// Written out rather than imported, so a connector added to the schema by mistake fails here.
const KNOWN_CONNECTORS = new Set(['servicenow', 'slack']);

describe('the shipped runbooks', () => {
  let runbooks: Map<string, Runbook>;
  beforeAll(async () => {
    runbooks = await loadRunbooks();
  });

  it('has exactly one runbook per failure code and no runbook without a code', async () => {
    const files = (await readdir(RUNBOOK_DIR)).filter((name) => name.endsWith('.md'));
    expect(files).toHaveLength(runbooks.size);
    expect([...runbooks.keys()].sort()).toEqual([...FailureCode.options].sort());
    for (const code of runbooks.keys()) expect(FailureCode.safeParse(code).success).toBe(true);
  });

  it('names each file after its code', () => {
    for (const [code, runbook] of runbooks) expect(basename(runbook.path)).toBe(`${code}.md`);
  });

  it('has the six sections, in order, in every runbook', () => {
    for (const runbook of runbooks.values()) {
      const headings = [...runbook.body.matchAll(/^## (.+)$/gm)].map((match) => match[1]?.trim());
      expect(headings, runbook.code).toEqual([...RUNBOOK_SECTIONS]);
    }
  });

  it('lists only known connectors, each once', () => {
    for (const runbook of runbooks.values()) {
      for (const connector of runbook.connectors) expect(KNOWN_CONNECTORS, runbook.code).toContain(connector);
      expect(new Set(runbook.connectors).size, runbook.code).toBe(runbook.connectors.length);
    }
  });

  it('keeps the front matter out of the body', () => {
    for (const runbook of runbooks.values()) expect(runbook.body.startsWith('## What it means'), runbook.code).toBe(true);
  });

  // A route action that failed for good runs again only when its event is replayed: no sync or
  // check does it, and the next event's success may close the task while that action stays undone.
  it('says how to replay a failed route action wherever an action can fail with the code', () => {
    const actionCodes = ['upstream_unavailable', 'rate_limited', 'circuit_open', 'network_error', 'auth_invalid', 'auth_expired', 'config_invalid',
      'upstream_bad_response', 'database_unavailable', 'permission_denied', 'delivery_failing', 'run_interrupted'];
    const howToFix = (body: string) => body.slice(body.indexOf('## How to fix'), body.indexOf('## How to escalate'));
    const silent = actionCodes.filter((code) => !/POST \/api\/events\/:(event)?[iI]d\/replay/.test(howToFix(runbooks.get(code)!.body)));
    expect(silent).toEqual([]);
  });

  it('caches per directory and looks runbooks up by code', async () => {
    expect(await loadRunbooks()).toBe(runbooks);
    expect(await loadRunbooks(new URL('../../runbooks/', import.meta.url))).toBe(runbooks);
    expect((await getRunbook('rate_limited'))?.retryable).toBe(true);
    expect(await getRunbook('no_such_code')).toBeUndefined();
  });
});

describe('loading malformed runbooks', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'runbooks-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const valid = ['---', 'code: rate_limited', 'title: Throttled', 'severity: medium', 'retryable: true', 'connectors: [slack]', '---', '## What it means', ''];
  let dirCount = 0;

  async function loadError(file: string, lines: string[]): Promise<FrontMatterError> {
    const dir = join(root, String(dirCount++));
    await mkdir(dir);
    await writeFile(join(dir, file), lines.join('\n'));
    const error = await loadRunbooks(dir).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(FrontMatterError);
    const frontMatterError = error as FrontMatterError;
    expect(frontMatterError.file).toMatch(new RegExp(`${file.replace('.', '\\.')}$`));
    expect(frontMatterError.message).toContain(file);
    return frontMatterError;
  }

  it('reports a syntax error with the file and line', async () => {
    const error = await loadError('rate_limited.md', valid.map((line, i) => (i === 3 ? 'severity medium' : line)));
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/rate_limited\.md:4: expected "key: value"/);
  });

  it('reports a schema error at the line of the bad value', async () => {
    const error = await loadError('rate_limited.md', valid.map((line, i) => (i === 5 ? 'connectors: [slack, teams]' : line)));
    expect(error.line).toBe(6);
    expect(error.message).toMatch(/rate_limited\.md:6: connectors\.1: /);
  });

  it('reports unknown and missing keys', async () => {
    const typo = await loadError('rate_limited.md', valid.map((line) => line.replace('retryable', 'retriable')));
    expect(typo.message).toMatch(/rate_limited\.md:5: unknown key "retriable"/);
    const missing = await loadError('rate_limited.md', valid.filter((line) => !line.startsWith('title')));
    expect(missing.message).toMatch(/rate_limited\.md:1: missing "title"/);
  });

  it('rejects a code that is not a failure code', async () => {
    const error = await loadError('made_up.md', valid.map((line) => line.replace('rate_limited', 'made_up')));
    expect(error.message).toMatch(/made_up\.md:2: code: /);
  });

  it('rejects a file not named after its code', async () => {
    const error = await loadError('throttled.md', valid);
    expect(error.message).toMatch(/throttled\.md:2: code "rate_limited" must live in rate_limited\.md/);
  });

  it('does not cache a failed load', async () => {
    const dir = join(root, 'fixed');
    await mkdir(dir);
    await writeFile(join(dir, 'rate_limited.md'), 'no front matter');
    await expect(loadRunbooks(dir)).rejects.toThrow(/rate_limited\.md:1: expected front matter/);
    await writeFile(join(dir, 'rate_limited.md'), valid.join('\n'));
    expect((await loadRunbooks(dir)).get('rate_limited')?.title).toBe('Throttled');
  });
});
