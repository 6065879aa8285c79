// Slack message timestamps: "<unix seconds>.<6 digits>", unique per channel and used as message ids.
// The fake makes them unique and strictly increasing across the whole workspace, so sorting by ts
// is sorting by posting order even when many messages land within one millisecond.
export function createTsClock(now: () => number = Date.now): () => string {
  let lastMicros = 0;
  return () => {
    const micros = Math.max(now() * 1000, lastMicros + 100);
    lastMicros = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  };
}
