export { startFakeSlack, type FakeSlack } from './fake-slack.ts';
export type { EphemeralMessage, FakeSlackFailure, FakeSlackOptions, FakeSlackUser, LoggedSlackRequest, MessageUpdate, PostedMessage, ResponseUrlPost } from './types.ts';
export { blockActionPayload, interactionBody, signSlackRequest, slashCommandBody, type BlockActionInput, type BlockActionPayload, type SlackSignatureHeaders, type SlashCommandFields } from './signing.ts';
