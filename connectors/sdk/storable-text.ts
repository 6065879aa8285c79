// Text that ends up in JSON stored by PostgreSQL (a failure event's payload, a Slack block): JSON
// writes a lone UTF-16 surrogate as "\ud83d", which jsonb and Slack refuse. Upstream messages may
// hold one, and cutting a message at a fixed length can make one out of an emoji.

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** At most `max` UTF-16 units, never ending on the first half of a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max);
}

/** Cut to `max` as above, with any lone surrogate left in it replaced by U+FFFD. */
export function storableText(text: string, max: number): string {
  return truncateText(text, max).toWellFormed();
}
