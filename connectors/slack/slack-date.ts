// Times in Slack messages are read by people in many time zones: Slack's date token shows each
// reader the time in their own, and the fallback (UTC, spelled out) where a client cannot.

/** `<!date^…>` for an ISO timestamp; undefined when it is none, for the caller to show it escaped as it is. */
export function slackDate(iso: string, format = '{date_short_pretty} {time}'): string | undefined {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}
