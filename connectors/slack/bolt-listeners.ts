import type { App, RespondArguments } from '@slack/bolt';
import type { ChatIdentity, HubOperations } from '../sdk/operations.types.ts';
import { escapeMrkdwn } from './blocks.ts';
import { runCommand, type CommandReply } from './commands.ts';
import type { SlackConfig } from './config.ts';
import { loggableError } from './loggable-error.ts';
import { doneBy } from './reply-deadline.ts';
import type { SlackContext } from './slack-api.ts';
import { slackProfile, type SlackProfile } from './user-email.ts';

// What the integration's Bolt App does with a /hub command or a button press: run it as the hub
// user behind the Slack user and reply ephemerally, inline when it is quick, else via response_url.

/** What the receiver hands every listener through Bolt's context. */
export interface HubContextProperties {
  operations: HubOperations;
  ctx: SlackContext;
  /** Epoch ms until which a reply may still go in the HTTP answer (reply-deadline.ts). */
  answerBy: number;
  [key: string]: unknown;
}

export const WORKING_ON_IT = ':hourglass_flowing_sand: Working on it…';
const WENT_WRONG = ':warning: Something went wrong; the hub logged it.';
/** Told after "working on it" when the request could not even be recorded, so nothing was done. */
export const NOT_DONE = ':warning: The hub could not take this in, so nothing was done; the hub logged it. Please try again.';

function identity(teamId: string, userId: string, userName: string | undefined, profile: SlackProfile): ChatIdentity {
  const { email, lookupFailed } = profile;
  return { platform: 'slack', teamId, userId, ...(userName ? { userName } : {}), ...(email ? { email } : {}), ...(lookupFailed ? { lookupFailed } : {}) };
}

/**
 * Which command or button a log line is about (the integration is named by the context's logger):
 * with the error's code and message, what an operator needs to tell one failure from another.
 */
export type InteractionName = { command: string } | { actionId: string };

/** After the HTTP answer has gone, a failure can only be logged and told to the person. */
function orWentWrong(work: Promise<CommandReply>, ctx: SlackContext, what: InteractionName): Promise<CommandReply> {
  return work.catch((error: unknown) => {
    ctx.logger.error({ error: loggableError(error, ctx), ...what }, 'command' in what ? 'slack command failed after its answer' : 'slack button failed after its answer');
    return { text: WENT_WRONG };
  });
}

/** Posts an ephemeral reply to response_url. Nobody is left to tell if that fails, so it is logged. */
export async function tell(respond: (message: RespondArguments) => Promise<unknown>, text: string, ctx: SlackContext, what: InteractionName): Promise<void> {
  try {
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  } catch (error) {
    ctx.logger.error({ error: loggableError(error, ctx), ...what }, 'could not deliver a reply to response_url');
  }
}

export function listenForCommands(app: App, config: SlackConfig): void {
  app.command(config.slashCommand, async ({ command, ack, respond, context, client }) => {
    const { operations, ctx, answerBy } = context as unknown as HubContextProperties;
    const identify = async () => {
      const profile = await slackProfile(client, command.user_id, ctx);
      return identity(command.team_id, command.user_id, profile.name ?? command.user_name, profile);
    };
    const work = runCommand(config.slashCommand, command.text ?? '', identify, operations);
    // A failure before the deadline rejects here and the receiver answers with a warning.
    const early = await doneBy(work, answerBy);
    if (early.done) {
      await ack({ response_type: 'ephemeral', text: early.value.text });
      return;
    }
    // Too slow for the HTTP answer: say so in it, then reply where Slack still listens.
    await ack({ response_type: 'ephemeral', text: WORKING_ON_IT });
    const what = { command: config.slashCommand };
    const reply = await orWentWrong(work, ctx, what);
    await tell(respond, reply.text, ctx, what);
  });
  // A command the app sends that the integration does not expect (the app's command renamed, the
  // integration's not): without this, the answer would be the empty 200 of the deadline, which
  // Slack shows as nothing at all.
  app.command(/.*/, async ({ command, ack, context }) => {
    if (command.command === config.slashCommand) return;
    const { ctx } = context as unknown as HubContextProperties;
    ctx.logger.warn({ received: command.command, expected: config.slashCommand }, 'slack sent a slash command other than the integration\'s slashCommand');
    await ack({
      response_type: 'ephemeral',
      text: `:warning: This hub integration answers ${escapeMrkdwn(config.slashCommand)}, not ${escapeMrkdwn(command.command)}. Ask an admin to give the Slack app's command and the integration's slashCommand the same name.`,
    });
  });
}

/** Buttons are acknowledged at once; everything they say goes to response_url. */
export function listenForButtons(app: App, config: SlackConfig): void {
  const button = (actionId: string, verb: string) =>
    app.action(actionId, async ({ ack, body, action, respond, context, client }) => {
      await ack();
      const { operations, ctx } = context as unknown as HubContextProperties;
      const value = 'value' in action ? String(action.value ?? '') : '';
      const user = body.user as { id: string; name?: string; username?: string; team_id?: string };
      const teamId = user.team_id ?? body.team?.id ?? '';
      const identify = async () => {
        const profile = await slackProfile(client, user.id, ctx);
        return identity(teamId, user.id, profile.name ?? user.username ?? user.name, profile);
      };
      const work = runCommand(config.slashCommand, `${verb} ${value}`, identify, operations);
      const what = { actionId };
      const reply = await orWentWrong(work, ctx, what);
      await tell(respond, reply.text, ctx, what);
    });
  button('task_ack', 'ack');
  button('task_retry', 'retry');
  button('task_runbook', 'runbook');
}
