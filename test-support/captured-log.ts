import { Writable } from 'node:stream';

/** Every line a logger wrote, to check what was (and was not) logged. */
export interface CapturedLog {
  /** The destination to log to: startTestHub({ logTo }), createLogger({ destination }). */
  stream: Writable;
  /** Everything written so far, as written. */
  text(): string;
  /** Each line so far as the JSON record pino wrote. */
  records(): Record<string, unknown>[];
}

export function captureLog(): CapturedLog {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return {
    stream,
    text: () => text,
    records: () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
