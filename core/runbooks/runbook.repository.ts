import { readdir, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { FrontMatterError, parseFrontMatter } from './front-matter.parse.ts';
import { RunbookMeta, type Runbook } from './runbook.schema.ts';

const DEFAULT_DIR = fileURLToPath(new URL('../../runbooks/', import.meta.url));

// Runbooks ship with the code and do not change while the process runs, so one read per
// directory is enough. The promise is cached so concurrent first callers share one read.
const cache = new Map<string, Promise<Map<string, Runbook>>>();

/** Runbooks in `dir` keyed by code. Throws FrontMatterError naming the file on a bad runbook. */
export function loadRunbooks(dir: string | URL = DEFAULT_DIR): Promise<Map<string, Runbook>> {
  const key = resolve(typeof dir === 'string' ? dir : fileURLToPath(dir));
  let pending = cache.get(key);
  if (!pending) {
    pending = readRunbooks(key);
    // A failed load is not cached: once the file is fixed the next call should succeed.
    pending.catch(() => cache.delete(key));
    cache.set(key, pending);
  }
  return pending;
}

export async function getRunbook(code: string, dir?: string | URL): Promise<Runbook | undefined> {
  const runbooks = await loadRunbooks(dir);
  return runbooks.get(code);
}

async function readRunbooks(dir: string): Promise<Map<string, Runbook>> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.md')).sort();
  const runbooks = await Promise.all(names.map((name) => readRunbook(join(dir, name))));
  return new Map(runbooks.map((runbook) => [runbook.code, runbook]));
}

async function readRunbook(path: string): Promise<Runbook> {
  // Relative to the working directory so errors read `runbooks/x.md:3: ...` in a terminal;
  // absolute when the file lies elsewhere, where `../../` chains would only confuse.
  const inside = relative(process.cwd(), path);
  const file = inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
  const { data, lines, body } = parseFrontMatter(file, await readFile(path, 'utf8'));

  const result = RunbookMeta.safeParse(data);
  if (!result.success) {
    const { key, reason } = describe(result.error.issues, data);
    throw new FrontMatterError(file, (key ? lines[key] : undefined) ?? 1, reason);
  }

  // Tasks, alerts and API errors link to runbooks/<code>.md, so the name must match the code.
  const expected = `${result.data.code}.md`;
  if (basename(path) !== expected) {
    throw new FrontMatterError(file, lines['code'] ?? 1, `code "${result.data.code}" must live in ${expected}`);
  }
  return { ...result.data, body, path };
}

// One issue is reported: a precise pointer helps more than a list of consequences. An unknown
// key comes first because it is usually a typo that also explains a "missing" one.
function describe(issues: z.core.$ZodIssue[], data: object): { key?: string; reason: string } {
  const issue = issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? issues[0];
  if (!issue) return { reason: 'invalid front matter' };
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return { key, reason: `unknown key "${key}"` };
  }
  const key = String(issue.path[0] ?? '');
  if (key && !Object.hasOwn(data, key)) return { reason: `missing "${key}"` };
  return { key, reason: `${issue.path.map(String).join('.')}: ${issue.message}` };
}
