// How the text after `/hub` is read before the command language parses it.

const SLACK_ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/**
 * The command text as the person typed it. Slack sends `&`, `<` and `>` in it as `&amp;`, `&lt;`
 * and `&gt;` (its message escaping) *(assumption: the connector fact sheet does not say)*. One pass,
 * so a typed `&lt;` (sent as `&amp;lt;`) stays `&lt;` instead of turning into `<`.
 */
export function decodeSlackText(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (entity) => SLACK_ENTITIES[entity] ?? entity);
}

// Opening quote → its closing quote. Slack clients on macOS and phones turn typed straight quotes
// into curly ones, so both kinds name the same integration.
const QUOTE_PAIRS: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’' };

/** A name without one pair of matching quotes around it (`"SN prod"` → `SN prod`); else as given. */
export function unquoted(name: string): string {
  const close = QUOTE_PAIRS[name.charAt(0)];
  if (close === undefined || name.length < 2 || !name.endsWith(close)) return name;
  return name.slice(1, -1).trim();
}
