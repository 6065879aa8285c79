import { answerOf, excerpt, failureOf, leaksIn, type Finding } from '../../test-support/answer-findings.ts';
import { FOREIGN_MARK, type World } from './api-input.world.testing.ts';
import type { Expected } from './malformed-input.testing.ts';

// How the API input walk (api-input.integration.test.ts) judges each answer: no hang and no 5xx,
// the expected refusal with the { "error": { "code", "message" } } shape, no input echoed back in
// bulk, and no secret or other tenant's data.

export interface InputCase {
  method: string;
  path: string;
  token?: string;
  /** A string is sent as it is, anything else as JSON; none when absent. */
  body?: unknown;
  headers?: Record<string, string>;
  expected: Expected;
  /** On success, the answer's list under this key must be empty (a filter on another tenant's row). */
  emptyList?: string;
}

function sentText(c: InputCase): string {
  return typeof c.body === 'string' ? c.body : c.body === undefined ? '' : JSON.stringify(c.body);
}

function describeRequest(c: InputCase): string {
  const headers = c.headers && Object.keys(c.headers).length ? ` headers=${excerpt(JSON.stringify(c.headers), 80)}` : '';
  const body = c.body === undefined ? '' : ` body=${excerpt(sentText(c))}`;
  return `${c.method.toUpperCase()} ${excerpt(c.path, 120)}${headers}${body}`;
}

/** Secrets never; another tenant's names and ids unless the request itself names them. */
function forbiddenIn(c: InputCase, w: World): string[] {
  // /metrics is documented as naming every tenant's integrations (README, HUB_METRICS_TOKEN).
  if (c.path.startsWith('/metrics')) return w.secrets;
  const sent = c.path + sentText(c).slice(0, 2000);
  return [...w.secrets, FOREIGN_MARK, ...Object.values(w.foreign).filter((id) => !sent.includes(id))];
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function judge(w: World, c: InputCase): Promise<Finding[]> {
  const { method, path, expected: _expected, emptyList: _emptyList, ...options } = c;
  const answer = await answerOf(async () => {
    const response = await w.test.request(method, path, options);
    return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') };
  });
  const findings: Finding[] = [];
  const wrong = (problem: string, shown = excerpt(answer.body)) => findings.push({ request: describeRequest(c), status: answer.status, problem, answer: shown });
  const { status } = answer;
  const failure = failureOf(answer);
  if (failure) wrong(failure);
  else if (typeof status === 'number') {
    if (c.expected === '404' && status !== 404) wrong('expected 404 not_found');
    else if (c.expected === '4xx' && status < 400) wrong('expected a 4xx refusal');
    else if (c.expected === '2xx' && status >= 300) wrong('expected a success');
    if (status >= 400) {
      const error = parseJson(answer.body)?.error;
      if (typeof error?.code !== 'string' || typeof error?.message !== 'string') wrong(`error answer without the { error: { code, message } } shape (${answer.contentType})`);
      else if (c.expected === '404' && status === 404 && error.code !== 'not_found') wrong(`404 with code ${error.code}`);
      // An error that quotes a huge input back multiplies what a bad client sends.
      if (answer.body.length > 64 * 1024) wrong(`error answer of ${answer.body.length} chars echoes the input`);
    }
    if (c.emptyList && status < 300) {
      const list = parseJson(answer.body)?.[c.emptyList];
      if (!Array.isArray(list) || list.length > 0) wrong(`lists ${c.emptyList} of another tenant's integration`);
    }
  }
  for (const { problem, shown } of leaksIn(answer.body, forbiddenIn(c, w))) wrong(problem, shown);
  return findings;
}

/** Sends each case and judges its answer; after them, the hub must still serve good requests. */
export async function walk(w: World, cases: InputCase[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const c of cases) {
    const found = await judge(w, c);
    findings.push(...found);
    // A hang is reported at once; the cases left would only run into the test's timeout.
    if (found.some((f) => f.status === 'timeout')) return findings;
  }
  // Whatever came before, the hub still serves good requests.
  findings.push(...(await judge(w, { method: 'get', path: '/api/health', expected: '2xx' })));
  findings.push(...(await judge(w, { method: 'get', path: '/api/integrations', token: w.home.tokens.viewer, expected: '2xx' })));
  return findings;
}
