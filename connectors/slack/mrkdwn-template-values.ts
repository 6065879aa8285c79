import type { TemplateValues } from '../sdk/connector.types.ts';
import { escapeMrkdwn } from './blocks.ts';

// Where chat.postMessage reads mrkdwn: its `text` (also the notification), and the `text` of every
// text object of type mrkdwn in `blocks` (a section's text and fields, a context's elements).
// plain_text objects, urls and ids are not parsed for mentions or links, so they are left alone.

function isMrkdwnObject(holder: unknown): boolean {
  return typeof holder === 'object' && holder !== null && !Array.isArray(holder) && (holder as { type?: unknown }).type === 'mrkdwn';
}

/** Event data a route's template fills into a message's mrkdwn, escaped to show as the text it is. */
export const mrkdwnTemplateValues: TemplateValues = {
  isMarkup: (path, holder) => (path.length === 1 && path[0] === 'text') || (path[0] === 'blocks' && path.at(-1) === 'text' && isMrkdwnObject(holder)),
  escape: escapeMrkdwn,
};
