import { expect } from 'vitest';

// For tests that send many bad requests and judge each answer: a wrong answer is collected as a
// finding instead of failing at once, so one run names every route that broke, and the assertion
// message lists them all (CI output alone says what to fix).

export interface Answer {
  status: number | 'timeout' | 'threw';
  body: string;
  contentType?: string | null;
}

export interface Finding {
  /** Method, path and the start of the body sent. */
  request: string;
  status: Answer['status'];
  /** Why the answer is wrong. */
  problem: string;
  /** The part of the answer that shows it. */
  answer: string;
}

/** In-process requests answer in milliseconds; ten seconds without one is a hang. */
const ANSWER_DEADLINE_MS = 10_000;

/** The answer to `send`, or 'timeout' / 'threw' (with the error) where there was none. */
export async function answerOf(send: () => Promise<Answer & { status: number }>): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Answer>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'timeout', body: '' }), ANSWER_DEADLINE_MS);
  });
  try {
    return await Promise.race([send(), deadline]);
  } catch (error) {
    return { status: 'threw', body: String((error as Error)?.stack ?? error) };
  } finally {
    clearTimeout(timer);
  }
}

/** What is wrong with an answer whatever was asked: none came, or a 5xx. */
export function failureOf(answer: Answer): string | undefined {
  if (answer.status === 'timeout') return `no answer within ${ANSWER_DEADLINE_MS / 1000} s`;
  if (answer.status === 'threw') return 'the app threw instead of answering';
  if (answer.status >= 500) return `answered ${answer.status}`;
  return undefined;
}

/** Each of `texts` (secrets, another tenant's data) that `body` contains, with the text around it. */
export function leaksIn(body: string, texts: readonly string[]): Array<{ problem: string; shown: string }> {
  return texts.flatMap((text) => {
    const at = body.indexOf(text);
    if (at < 0) return [];
    return [{ problem: `answer contains "${text.slice(0, 12)}…" (a secret or another tenant's data)`, shown: excerpt(body.slice(Math.max(0, at - 100), at + 60)) }];
  });
}

export function excerpt(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…(${text.length} chars)` : flat;
}

export function expectNoFindings(findings: readonly Finding[]): void {
  const lines = findings.map((f) => `- ${f.request}\n  → ${f.status}: ${f.problem}${f.answer ? `\n  answer: ${f.answer}` : ''}`);
  expect(findings.length, `${findings.length} wrong answer(s):\n${lines.join('\n')}`).toBe(0);
}
