import type { FakeSlackFailure } from './types.ts';

// Scripted failures per Web API method (or `response_url`), consumed in arrival order.
export class FaultQueue {
  readonly #byMethod = new Map<string, FakeSlackFailure[]>();

  failNext(method: string, count: number, failure: FakeSlackFailure): void {
    const queue = this.#byMethod.get(method) ?? [];
    for (let i = 0; i < count; i++) queue.push(failure);
    this.#byMethod.set(method, queue);
  }

  take(method: string): FakeSlackFailure | undefined {
    return this.#byMethod.get(method)?.shift();
  }
}

/** How a failure goes on the wire: Slack uses HTTP 200 for API errors and 429 for rate limits. */
export function failureResponse(failure: FakeSlackFailure): { status: number; headers: Record<string, string>; body: unknown } {
  if ('error' in failure) return { status: 200, headers: {}, body: { ok: false, error: failure.error } };
  if ('retryAfter' in failure) return { status: failure.status, headers: { 'retry-after': String(failure.retryAfter) }, body: { ok: false, error: 'ratelimited' } };
  // A bare status stands for a proxy or outage answer, which is not a Slack JSON envelope.
  return { status: failure.status, headers: {}, body: `fake Slack failure ${failure.status}` };
}
