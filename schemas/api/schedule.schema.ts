import { Cron } from 'croner';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

// A schedule is handed to the queue only after the integration is saved, and the queue is croner
// in embedded mode but BullMQ (cron-parser) in production. Everything either of them would refuse
// is refused here, so a bad schedule is a 400 on its field and never a half-saved integration.

function parsedCron(expression: string): Cron | undefined {
  try {
    // Five or six fields only: croner would also take a seventh (years), which BullMQ refuses.
    return new Cron(expression, { paused: true, mode: '5-or-6-parts' });
  } catch {
    return undefined;
  }
}

function readByProductionQueue(expression: string): boolean {
  try {
    CronExpressionParser.parse(expression);
    return true;
  } catch {
    return false;
  }
}

/**
 * The usual nicknames, as the fields they stand for. croner takes some nicknames and not others,
 * and BullMQ's parser reads them its own way, so the hub stores and schedules the fields instead.
 */
export const CRON_NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A nickname's fields ("@daily" → "0 0 * * *"); any other expression as it is. */
export function cronFields(expression: string): string {
  return CRON_NICKNAMES[expression.toLowerCase()] ?? expression;
}

export const CronExpression = z
  .string()
  .trim()
  .max(100)
  .transform(cronFields)
  .superRefine((expression, ctx) => {
    if (expression.startsWith('@')) {
      ctx.addIssue({ code: 'custom', message: `of the nicknames only ${Object.keys(CRON_NICKNAMES).join(', ')} are known: write the fields ("*/5 * * * *" for every five minutes)` });
      return;
    }
    const cron = parsedCron(expression);
    if (!cron) {
      ctx.addIssue({ code: 'custom', message: 'expected a cron expression such as "*/15 * * * *" (5 or 6 fields)' });
      return;
    }
    const nextRun = cron.nextRun();
    cron.stop();
    // croner knows "nearest weekday" (15W, LW); BullMQ's parser does not. WED is the only name
    // with a W in it.
    const fields = expression.split(/\s+/);
    // Scheduled runs are keyed by the minute for cron schedules, so a second fire in one minute
    // would be the same run: the seconds field, when given, holds one value.
    if (fields.length === 6 && !/^\d{1,2}$/.test(fields[0] ?? '')) {
      ctx.addIssue({ code: 'custom', message: 'a cron schedule fires at most once a minute: give the seconds field one value (e.g. "0 */5 * * * *"), or use everySeconds' });
    } else if (/w/i.test(expression.replace(/wed/gi, ''))) {
      ctx.addIssue({ code: 'custom', message: 'the nearest-weekday form ("15W", "LW") is not supported' });
    } else if (!nextRun) {
      ctx.addIssue({ code: 'custom', message: 'this expression never fires (e.g. "0 0 31 2 *" names a day that does not exist)' });
    } else if (!readByProductionQueue(expression)) {
      // BullMQ's parser has limits of its own (at most 256 values a field, for one).
      ctx.addIssue({ code: 'custom', message: 'the production queue (BullMQ) cannot read this expression; list fewer values or use a range or step' });
    }
  });

/** An IANA time zone name the runtime knows (`Europe/Berlin`, `UTC`, `US/Pacific`). */
export const TimeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as "Europe/Berlin" or "UTC"');

/** Per stream: an interval in seconds or a cron expression; `enabled: false` stops scheduling it. */
export const StreamSchedule = z.union([
  z.strictObject({ everySeconds: z.number().int().min(10).max(7 * 24 * 3600), enabled: z.boolean().optional() }),
  z.strictObject({
    cron: CronExpression,
    tz: TimeZone.optional().describe('time zone the expression is read in; default UTC'),
    enabled: z.boolean().optional(),
  }),
  z.strictObject({ enabled: z.literal(false) }),
], {
  error: 'expected { "everySeconds": 10…604800 }, { "cron": "…", "tz": "…" } or { "enabled": false }; to switch a stream back on, give its everySeconds or cron, or null for the connector\'s default',
});
export type StreamSchedule = z.infer<typeof StreamSchedule>;
