import { App, type Receiver, type RespondArguments } from '@slack/bolt';
import type { WebClientOptions } from '@slack/web-api';
import type { WebhookRequest, WebhookResponse } from '../sdk/connector.types.ts';
import { InteractionNotRecorded, type HubOperations } from '../sdk/operations.types.ts';
import { createBoltAppCache } from './bolt-app-cache.ts';
import { listenForButtons, listenForCommands, NOT_DONE, tell, WORKING_ON_IT, type HubContextProperties, type InteractionName } from './bolt-listeners.ts';
import { loggableError } from './loggable-error.ts';
import { ANSWER_WITHIN_MS, doneBy, INLINE_REPLY_MS } from './reply-deadline.ts';
import type { SlackContext } from './slack-api.ts';

// One Bolt App per integration, fed by the hub's own hook route through this receiver: no second
// HTTP server. Bolt routes commands and button presses to the listeners (bolt-listeners.ts); `ack`
// becomes the HTTP answer, which Slack needs within 3 seconds (reply-deadline.ts).

class HookReceiver implements Receiver {
  app: App | undefined;
  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

// Generous: an App (a WebClient and a few listeners) is small and is rebuilt without a network call
// (the authorize below asks Slack nothing), so a hub with more Slack integrations in use than this
// only rebuilds the least recently used now and then; the bound is there so deleted integrations'
// Apps go, as nothing tells this module that an integration was deleted.
const MAX_APPS = 1_000;
const apps = createBoltAppCache<App>(MAX_APPS);

/** How many Bolt Apps this process holds (for tests: at most one per integration). */
export function boltAppsHeld(): number {
  return apps.size;
}

// The listeners' client only learns who a person is (users.info, auth.test). The HTTP answer never
// waits for it past the reply deadline (reply-deadline.ts), so this bounds only how late the reply
// on response_url may come; a shorter one turned a Slack slower than it into a person without an
// email, told that their account is not linked.
const PROFILE_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * The listeners' Web API client (the identity lookup in a command or button press): one retry and
 * the lookup's own timeout. A 429 is not waited out: a Retry-After of a minute, waited before each
 * try, would keep a person staring at "Working on it…" only to be asked to try again.
 */
export function listenerClientOptions(ctx: SlackContext): WebClientOptions {
  return { slackApiUrl: ctx.config.slackApiUrl, retryConfig: { retries: 1 }, timeout: PROFILE_LOOKUP_TIMEOUT_MS, rejectRateLimitedCalls: true };
}

function build(ctx: SlackContext): App {
  const receiver = new HookReceiver();
  const botToken = ctx.credentials.botToken;
  const app = new App({
    // An authorize of our own rather than `token`: with `token` and no verification at start, Bolt
    // asks auth.test before every command and button, uncached, outside the hub's reply deadlines,
    // so a slow, throttled or failing auth.test lost the press. The listeners' client carries this
    // token; the workspace's own id comes from user-email.ts's cached auth.test.
    authorize: async () => ({ botToken }),
    receiver,
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => 'error' as never, setName: () => undefined },
    clientOptions: listenerClientOptions(ctx),
  });
  listenForCommands(app, ctx.config);
  listenForButtons(app, ctx.config);
  return app;
}

function appFor(ctx: SlackContext): App {
  const identity = { botToken: ctx.credentials.botToken, slashCommand: ctx.config.slashCommand, slackApiUrl: ctx.config.slackApiUrl };
  return apps.get(ctx.integrationId, identity, () => build(ctx));
}

function parseBody(request: WebhookRequest): Record<string, unknown> {
  const fields = new URLSearchParams(request.rawBody.toString('utf8'));
  const payload = fields.get('payload');
  return payload ? (JSON.parse(payload) as Record<string, unknown>) : Object.fromEntries(fields);
}

function toResponse(answer: unknown): WebhookResponse {
  if (answer === undefined || answer === '') return { status: 200 };
  const body = typeof answer === 'string' ? { text: answer } : answer;
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The command, or the first button's action id, of a parsed request, for its log lines. */
function interactionName(body: Record<string, unknown>): InteractionName {
  if (typeof body.command === 'string') return { command: body.command };
  const [action] = Array.isArray(body.actions) ? (body.actions as Array<{ action_id?: unknown }>) : [];
  return { actionId: typeof action?.action_id === 'string' ? action.action_id : 'unknown' };
}

/** What the HTTP answer says when the hub is not ready to act in time: the reply follows on response_url. */
function stillWorking(body: Record<string, unknown>): WebhookResponse {
  // A button is answered with a bare 200 anyway; a command's person should see that it is coming.
  return 'command' in body ? toResponse({ response_type: 'ephemeral', text: WORKING_ON_IT }) : { status: 200 };
}

/**
 * Posts to the request's response_url through the integration's HTTP client (Bolt only builds
 * `respond` for a listener it runs); the URL carries its own authority, so no token goes with it.
 */
function respondTo(body: Record<string, unknown>, ctx: SlackContext): ((message: RespondArguments) => Promise<unknown>) | undefined {
  const url = body.response_url;
  if (typeof url !== 'string') return undefined;
  return (message) => ctx.http.request({ method: 'POST', url, json: message, authenticate: false, retry: false, timeoutMs: RESPONSE_URL_TIMEOUT_MS, responseType: 'text' });
}

const RESPONSE_URL_TIMEOUT_MS = 5_000;

/**
 * Hands a verified command or button press to the integration's Bolt App and returns its ack. The
 * deadlines count from the request's arrival, not from here: reading the integration and recording
 * the request (`recorded`) have used part of Slack's 3 seconds already.
 */
export function interactWithBolt(
  request: WebhookRequest,
  ctx: SlackContext,
  operations: HubOperations,
  recorded: Promise<boolean>,
  followUp: (work: Promise<unknown>) => void = () => {},
): Promise<WebhookResponse> {
  const app = appFor(ctx);
  const arrivedAt = request.receivedAt ?? Date.now();
  const answerBy = arrivedAt + INLINE_REPLY_MS;
  return new Promise<WebhookResponse>((resolve, reject) => {
    let answered = false;
    const answer = (response: WebhookResponse) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      resolve(response);
    };
    // The net: even a listener that never acknowledges gets Slack its 200 in time.
    const timer = setTimeout(() => answer({ status: 200 }), Math.max(0, arrivedAt + ANSWER_WITHIN_MS - Date.now()));
    const body = parseBody(request);
    const retryNum = Number(request.headers['x-slack-retry-num']);
    // Run late (past answerBy), a listener sees the deadline gone and replies on response_url.
    const run = () =>
      app
        .processEvent({
          body,
          ack: async (response?: unknown) => answer(toResponse(response)),
          ...(Number.isFinite(retryNum) ? { retryNum } : {}),
          ...(request.headers['x-slack-retry-reason'] ? { retryReason: request.headers['x-slack-retry-reason'] } : {}),
          customProperties: { operations, ctx, answerBy } satisfies HubContextProperties,
        })
        .catch((error: unknown) => {
          ctx.logger.error({ error: loggableError(error, ctx), ...interactionName(body) }, 'slack interaction failed');
          answer({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', text: ':warning: Something went wrong; the hub logged it.' }) });
        });
    // A replay of a request already handled has no effect: a bare 200 tells Slack it arrived.
    const runIfFirst = (first: boolean) => (first ? run() : answer({ status: 200 }));
    // All of it, the listener's work after its ack included: a stop waits for what was acknowledged.
    const work = doneBy(recorded, answerBy).then(
      (early) => {
        if (early.done) return runIfFirst(early.value);
        // Still recording at the deadline (a busy database): answer now, act once it is recorded.
        answer(stillWorking(body));
        return recorded.then(runIfFirst, async (error: unknown) => {
          ctx.logger.error({ error: loggableError(error, ctx), ...interactionName(body) }, 'slack interaction could not be recorded after its answer');
          // The person was told it is coming (or, for a button, nothing): say that it is not.
          const respond = respondTo(body, ctx);
          if (respond) await tell(respond, NOT_DONE, ctx, interactionName(body));
        });
      },
      (error: unknown) => {
        if (error instanceof InteractionNotRecorded) {
          // The database refused at once (starting up, failing over): Slack shows a failed command
          // as nothing at all and never sends it again, so the person is told in the answer.
          ctx.logger.error({ error: loggableError(error, ctx), ...interactionName(body) }, 'slack interaction could not be recorded');
          if ('command' in body) return answer(toResponse({ response_type: 'ephemeral', text: NOT_DONE }));
          answer({ status: 200 });
          const respond = respondTo(body, ctx);
          return respond ? tell(respond, NOT_DONE, ctx, interactionName(body)) : undefined;
        }
        // Otherwise the hub answers it (a body the database refuses is a 400).
        clearTimeout(timer);
        answered = true;
        reject(error);
      },
    );
    followUp(work);
  });
}
