import type { Logger } from '../logging/logger.ts';

// What a client can cause in a loop (malformed requests, deliveries it hangs up on) must not turn
// into as many log lines: past this many a minute per kind, occurrences are only counted (each
// caller counts every one in a metric), and one line says how many were held back.
export const LOGGED_PER_WINDOW = 10;
export const WINDOW_MS = 60_000;

export interface LogLine {
  level: 'warn' | 'info';
  fields: Record<string, unknown>;
  message: string;
}

export interface LimitedLog {
  /**
   * Writes `line` unless `kind` had its share of this minute. `summary` is how lines held back are
   * reported (the last one given per kind is used), with `notLogged` and `perSeconds` added.
   */
  write(kind: string, line: LogLine, summary: LogLine): void;
  /** Logs what the limit still holds back, so a stop loses no count. */
  stop(): void;
}

interface Window {
  startedAt: number;
  logged: number;
  held: number;
  summary?: LogLine;
  flush?: NodeJS.Timeout;
}

export function createLimitedLog(logger: Logger, now: () => number = Date.now): LimitedLog {
  const windows = new Map<string, Window>();

  const summarise = (window: Window): void => {
    clearTimeout(window.flush);
    delete window.flush;
    if (window.held === 0 || !window.summary) return;
    const { level, fields, message } = window.summary;
    logger[level]({ ...fields, notLogged: window.held, perSeconds: WINDOW_MS / 1000 }, message);
    window.held = 0;
  };

  return {
    write(kind, line, summary) {
      const at = now();
      let window = windows.get(kind);
      if (!window || at - window.startedAt >= WINDOW_MS) {
        if (window) summarise(window);
        window = { startedAt: at, logged: 0, held: 0 };
        windows.set(kind, window);
      }
      window.summary = summary;
      if (window.logged < LOGGED_PER_WINDOW) {
        window.logged += 1;
        logger[line.level](line.fields, line.message);
        return;
      }
      window.held += 1;
      if (!window.flush) {
        const held = window;
        // Unref'd: a pending summary never keeps the process up; stop() writes it instead.
        window.flush = setTimeout(() => summarise(held), held.startedAt + WINDOW_MS - at).unref();
      }
    },
    stop() {
      for (const window of windows.values()) summarise(window);
    },
  };
}
