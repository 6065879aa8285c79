import { App, type Receiver } from '@slack/bolt';
import type { WebhookRequest, WebhookResponse } from '../sdk/connector.types.ts';
import type { ChatIdentity, HubOperations } from '../sdk/operations.types.ts';
import { runCommand } from './commands.ts';
import type { SlackContext } from './slack-api.ts';
import { slackProfile } from './user-email.ts';

// One Bolt App per integration, fed by the hub's own hook route through this receiver: no second
// HTTP server. Bolt routes commands and button presses to the handlers below; `ack` becomes the
// HTTP answer, which Slack needs within 3 seconds.

const ANSWER_WITHIN_MS = 2_500;

class HookReceiver implements Receiver {
  app: App | undefined;
  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

interface HubContextProperties {
  operations: HubOperations;
  ctx: SlackContext;
  [key: string]: unknown;
}

const apps = new Map<string, { app: App; receiver: HookReceiver }>();

function identity(teamId: string, userId: string, userName: string | undefined, email: string | undefined): ChatIdentity {
  return { platform: 'slack', teamId, userId, ...(userName ? { userName } : {}), ...(email ? { email } : {}) };
}

function build(ctx: SlackContext): { app: App; receiver: HookReceiver } {
  const receiver = new HookReceiver();
  const app = new App({
    token: ctx.credentials.botToken,
    receiver,
    tokenVerificationEnabled: false,
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => 'error' as never, setName: () => undefined },
    clientOptions: { slackApiUrl: ctx.config.slackApiUrl, retryConfig: { retries: 1 }, timeout: 2_000 },
  });

  app.command(ctx.config.slashCommand, async ({ command, ack, respond, context, client }) => {
    const { operations, ctx: hubCtx } = context as unknown as HubContextProperties;
    const profile = await slackProfile(client, command.user_id, hubCtx);
    const who = identity(command.team_id, command.user_id, profile.name ?? command.user_name, profile.email);
    const reply = await runCommand(ctx.config.slashCommand, command.text ?? '', who, operations);
    await ack({ response_type: 'ephemeral', text: reply.text });
    if (reply.followUp) {
      const text = await reply.followUp().catch((error: unknown) => `:warning: ${error instanceof Error ? error.message : 'that did not work'}`);
      await respond({ response_type: 'ephemeral', replace_original: false, text });
    }
  });

  const button = (actionId: string, verb: string) =>
    app.action(actionId, async ({ ack, body, action, respond, context, client }) => {
      await ack();
      const { operations, ctx: hubCtx } = context as unknown as HubContextProperties;
      const value = 'value' in action ? String(action.value ?? '') : '';
      const user = body.user as { id: string; name?: string; username?: string; team_id?: string };
      const teamId = user.team_id ?? body.team?.id ?? '';
      const profile = await slackProfile(client, user.id, hubCtx);
      const who = identity(teamId, user.id, profile.name ?? user.username ?? user.name, profile.email);
      const reply = await runCommand(ctx.config.slashCommand, `${verb} ${value}`, who, operations);
      await respond({ response_type: 'ephemeral', replace_original: false, text: reply.text });
      if (reply.followUp) await respond({ response_type: 'ephemeral', replace_original: false, text: await reply.followUp() });
    });
  button('task_ack', 'ack');
  button('task_retry', 'retry');
  button('task_runbook', 'runbook');
  return { app, receiver };
}

function appFor(ctx: SlackContext): App {
  const key = `${ctx.integrationId}:${ctx.credentials.botToken.slice(-8)}:${ctx.config.slashCommand}:${ctx.config.slackApiUrl}`;
  let entry = apps.get(key);
  if (!entry) {
    entry = build(ctx);
    apps.set(key, entry);
  }
  return entry.app;
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

/** Hands a verified command or button press to the integration's Bolt App and returns its ack. */
export function interactWithBolt(request: WebhookRequest, ctx: SlackContext, operations: HubOperations): Promise<WebhookResponse> {
  const app = appFor(ctx);
  return new Promise<WebhookResponse>((resolve) => {
    let answered = false;
    const answer = (response: WebhookResponse) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      resolve(response);
    };
    // Whatever happens, Slack gets its answer in time; slower work reports through response_url.
    const timer = setTimeout(() => answer({ status: 200 }), ANSWER_WITHIN_MS);
    const retryNum = Number(request.headers['x-slack-retry-num']);
    app
      .processEvent({
        body: parseBody(request),
        ack: async (response?: unknown) => answer(toResponse(response)),
        ...(Number.isFinite(retryNum) ? { retryNum } : {}),
        ...(request.headers['x-slack-retry-reason'] ? { retryReason: request.headers['x-slack-retry-reason'] } : {}),
        customProperties: { operations, ctx },
      })
      .catch((error: unknown) => {
        ctx.logger.error({ error: error instanceof Error ? error.name : 'unknown' }, 'slack interaction failed');
        answer({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ response_type: 'ephemeral', text: ':warning: Something went wrong; the hub logged it.' }) });
      });
  });
}
