import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureLog, type CapturedLog } from '../../test-support/captured-log.ts';
import { createMetrics } from '../http/metrics.ts';
import { createLogger } from '../logging/logger.ts';
import { createRefusalReport, LOGGED_PER_WINDOW, WINDOW_MS, type Refusal } from './refusal-report.ts';

// A client sending malformed requests in a loop is counted in full and logged in part: a few lines
// a minute per reason, then one line saying how many more there were.

const MALFORMED: Refusal = { status: 400, code: 'bad_request', reason: 'malformed', level: 'warn', message: 'the request is not well-formed HTTP' };
const OVERFLOW: Refusal = { status: 431, code: 'request_header_too_large', reason: 'header_too_large', level: 'warn', message: 'too large' };
const FROM = { requestId: 'req-1', remoteAddress: '192.0.2.7', parserError: 'HPE_INVALID_METHOD' };

describe('refusal report', () => {
  let log: CapturedLog;
  let report: ReturnType<typeof createRefusalReport>;
  let metrics: ReturnType<typeof createMetrics>;
  beforeEach(() => {
    vi.useFakeTimers();
    log = captureLog();
    metrics = createMetrics();
    report = createRefusalReport(createLogger({ level: 'debug', destination: log.stream }), metrics);
  });
  afterEach(() => {
    report.stop();
    vi.useRealTimers();
  });

  const counted = async (reason: string) => (await metrics.httpRejected.get()).values.find((value) => value.labels['reason'] === reason)?.value;
  const refusedLines = () => log.records().filter((line) => line['msg'] === 'request refused before routing');
  const summaries = () => log.records().filter((line) => line['notLogged'] !== undefined);

  it('logs a refusal with what it was and who sent it, and counts it', async () => {
    expect(await counted('malformed')).toBe(0);
    report.refused(MALFORMED, FROM);
    expect(refusedLines()).toEqual([
      expect.objectContaining({ level: 40, reason: 'malformed', code: 'bad_request', status: 400, requestId: 'req-1', remoteAddress: '192.0.2.7', parserError: 'HPE_INVALID_METHOD' }),
    ]);
    expect(await counted('malformed')).toBe(1);
  });

  it('logs the first few a minute per reason, counts them all, and says how many it held back', async () => {
    for (let i = 0; i < LOGGED_PER_WINDOW + 15; i += 1) report.refused(MALFORMED, FROM);
    // Another reason has its own allowance.
    report.refused(OVERFLOW, FROM);
    expect(refusedLines()).toHaveLength(LOGGED_PER_WINDOW + 1);
    expect(await counted('malformed')).toBe(LOGGED_PER_WINDOW + 15);
    expect(summaries()).toEqual([]);

    vi.advanceTimersByTime(WINDOW_MS);
    expect(summaries()).toEqual([expect.objectContaining({ level: 40, reason: 'malformed', code: 'bad_request', status: 400, notLogged: 15 })]);

    // A new minute, a new allowance.
    report.refused(MALFORMED, FROM);
    expect(refusedLines()).toHaveLength(LOGGED_PER_WINDOW + 2);
  });

  it('says how many it held back when stopped before the minute is over', () => {
    for (let i = 0; i < LOGGED_PER_WINDOW + 3; i += 1) report.refused(MALFORMED, FROM);
    report.stop();
    expect(summaries()).toEqual([expect.objectContaining({ reason: 'malformed', notLogged: 3 })]);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(summaries()).toHaveLength(1);
  });
});
