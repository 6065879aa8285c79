// Slack refuses a message whose blocks break Block Kit's limits with `invalid_blocks` (nothing is
// posted), so a hub that builds a block too long from upstream data loses the whole message. The
// fake checks the limits the hub's messages can reach.

/** Blocks in one message. */
const MAX_BLOCKS = 50;
/** A header block's plain_text. */
const HEADER_MAX = 150;
/** A section block's text. */
const SECTION_TEXT_MAX = 3000;
/** One of a section block's fields, and how many it may have. */
const FIELD_MAX = 2000;
const MAX_FIELDS = 10;

function textOf(value: unknown): string {
  const text = (value as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' ? text : '';
}

/** Whether Slack would refuse these blocks as `invalid_blocks`. */
export function breaksBlockLimits(blocks: unknown[]): boolean {
  if (blocks.length > MAX_BLOCKS) return true;
  return blocks.some((block) => {
    const { type, text, fields } = (block ?? {}) as { type?: unknown; text?: unknown; fields?: unknown };
    if (type === 'header') return textOf(text).length > HEADER_MAX;
    if (type !== 'section') return false;
    if (textOf(text).length > SECTION_TEXT_MAX) return true;
    return Array.isArray(fields) && (fields.length > MAX_FIELDS || fields.some((field) => textOf(field).length > FIELD_MAX));
  });
}
