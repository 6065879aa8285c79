import { ConnectorError } from '../sdk/failure.ts';
import { DEFAULT_RETRY_POLICY } from '../sdk/http-client.options.ts';
import { OutcomeUnknown, unlessProvenNotTaken } from '../sdk/outcome-unknown.ts';
import { sleep } from '../sdk/sleep.ts';
import type { SlackContext } from './slack-api.ts';

// Which Web API calls may be sent to Slack again, and when. Asking twice for a lookup, or asking
// twice to set a message to the same content (chat.update), has no second effect, so those calls
// keep the HTTP client's retries. A call that creates something — chat.postMessage above all — is
// different: after a timeout, a dropped connection or a 5xx, Slack may already have posted it, and
// sending it again shows the alert twice (DESIGN.md: at most one effect per event). Such a call is
// sent again only when Slack said it did not take it: 429, after its Retry-After.

const REPEATABLE_METHODS: ReadonlySet<string> = new Set(['auth.test', 'chat.update']);
/** Slack names its lookups `<family>.<verb>` with these verbs: users.info, conversations.list, … */
const LOOKUP_VERBS: ReadonlySet<string> = new Set(['info', 'list', 'history', 'replies', 'members', 'lookupByEmail']);

/** Whether sending `method` twice has the effect of sending it once. Unknown methods are not. */
export function isRepeatable(method: string): boolean {
  return REPEATABLE_METHODS.has(method) || LOOKUP_VERBS.has(method.slice(method.lastIndexOf('.') + 1));
}

/** Slack's pace for one channel: the wait after a 429 that names no Retry-After. */
const WAIT_WITHOUT_RETRY_AFTER_MS = 1_000;

/**
 * A write Slack may or may not have carried out (see the SDK's outcome-unknown.ts): not transient,
 * since a person checking the channel is better than a second post.
 */
export class SlackOutcomeUnknown extends OutcomeUnknown {
  override name = 'SlackOutcomeUnknown';

  constructor(method: string, failure: ConnectorError) {
    super(failure, `${failure.message}; Slack may have carried out ${method} anyway, so it is not sent again`);
  }
}

/**
 * Sends a call that must not take effect twice (`send` must not retry by itself). It is sent again
 * only after a 429, waiting Retry-After, as often and as long as the HTTP client would wait; a
 * longer Retry-After is left to the runtime, which reschedules the run. Any other transient failure
 * may have reached Slack and ends as SlackOutcomeUnknown. With `attempts` 1 even a 429 is left to
 * the runtime.
 */
export async function sendUnlessTaken<T>(ctx: SlackContext, method: string, send: () => Promise<T>, attempts = DEFAULT_RETRY_POLICY.attempts): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      const waitMs = waitAfterRefusal(error);
      if (waitMs === undefined || attempt >= attempts) throw unlessTaken(error, method);
      ctx.logger.warn({ method, attempt, waitMs }, 'Slack answered 429; sending again after Retry-After');
      await sleep(waitMs, ctx.signal);
    }
  }
}

/** How long to wait before sending again, when Slack refused the call with 429 and asked for a wait we sit out here. */
function waitAfterRefusal(error: unknown): number | undefined {
  if (!(error instanceof ConnectorError) || error.status !== 429) return undefined;
  const waitMs = error.retryAfterMs ?? WAIT_WITHOUT_RETRY_AFTER_MS;
  return waitMs <= DEFAULT_RETRY_POLICY.maxRetryAfterMs ? waitMs : undefined;
}

/**
 * The error to end with. A 429 (Slack did not take it) and a call that never left (breaker open,
 * connection refused) stay transient, so the runtime tries later; other transient failures may
 * have reached Slack.
 */
function unlessTaken(error: unknown, method: string): unknown {
  return unlessProvenNotTaken(error, (failure) => new SlackOutcomeUnknown(method, failure));
}
