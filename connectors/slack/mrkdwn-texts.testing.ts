/** Every string Slack would parse as mrkdwn (or use for a notification) in a posted message. */
export function mrkdwnTexts(message: { text?: string | undefined; blocks?: unknown[] | undefined }): string[] {
  const texts: string[] = message.text === undefined ? [] : [message.text];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (record['type'] === 'mrkdwn' && typeof record['text'] === 'string') texts.push(record['text']);
      Object.values(record).forEach(visit);
    }
  };
  visit(message.blocks);
  return texts;
}
