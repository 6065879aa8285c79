import { describe, expect, it } from 'vitest';
import { zodFieldErrors } from '../../core/http/zod-fields.ts';
import { CronExpression, StreamSchedule, TimeZone } from './schedule.schema.ts';

describe('CronExpression', () => {
  it.each(['*/15 * * * *', '0 * * * *', '0 0 * * MON-FRI', '0 8 * * WED', '0 0 L * *', '0 0 * * 5#2', '30 */5 * * * *', '0 0 29 2 *'])(
    'accepts %s',
    (expression) => expect(CronExpression.safeParse(expression).success).toBe(true),
  );

  it.each([
    ['a b c d e', '5 or 6 fields'],
    ['60 * * * *', '5 or 6 fields'],
    // A seventh field (years) croner would take, BullMQ refuses.
    ['0 0 0 1 1 * 2030', '5 or 6 fields'],
    ['* * * * * * *', '5 or 6 fields'],
    // Nearest weekday: croner only.
    ['0 0 15W * *', 'nearest-weekday'],
    ['0 0 LW * *', 'nearest-weekday'],
    ['0 0 31 2 *', 'never fires'],
    // Cron runs are keyed by the minute: a second fire within one would be the same run.
    ['*/2 * * * * *', 'at most once a minute'],
    ['0,30 * * * * *', 'at most once a minute'],
    // Nicknames other than the usual ones (cron's @reboot, Go's @every).
    ['@reboot', 'nicknames'],
    ['@every 5m', 'nicknames'],
  ])('refuses %s', (expression, message) => {
    const result = CronExpression.safeParse(expression);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.message).toContain(message);
  });
});

describe('CronExpression nicknames', () => {
  // croner takes some nicknames and BullMQ's parser reads them its own way, so they become fields.
  it.each([
    ['@yearly', '0 0 1 1 *'],
    ['@annually', '0 0 1 1 *'],
    ['@monthly', '0 0 1 * *'],
    ['@weekly', '0 0 * * 0'],
    ['@daily', '0 0 * * *'],
    [' @Midnight ', '0 0 * * *'],
    ['@HOURLY', '0 * * * *'],
  ])('reads %j as %j', (nickname, fields) => {
    expect(CronExpression.parse(nickname)).toBe(fields);
  });
});

describe('TimeZone', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'US/Pacific'])('accepts %s', (zone) => {
    expect(TimeZone.safeParse(zone).success).toBe(true);
  });

  it.each(['Mars/Olympus', 'Nowhere/Land', '', 'local', 'Z'])('refuses %j', (zone) => {
    expect(TimeZone.safeParse(zone).success).toBe(false);
  });
});

describe('StreamSchedule', () => {
  it('points at the field that is wrong', () => {
    const badZone = StreamSchedule.safeParse({ cron: '*/15 * * * *', tz: 'Mars/Olympus' });
    expect(badZone.error!.issues.map((issue) => issue.path.join('.'))).toEqual(['tz']);
    const badCron = StreamSchedule.safeParse({ cron: '0 0 15W * *', tz: 'UTC' });
    expect(badCron.error!.issues.map((issue) => issue.path.join('.'))).toEqual(['cron']);
  });

  it('keeps intervals and switched-off streams as they were', () => {
    expect(StreamSchedule.parse({ everySeconds: 300 })).toEqual({ everySeconds: 300 });
    expect(StreamSchedule.parse({ enabled: false })).toEqual({ enabled: false });
    expect(StreamSchedule.parse({ cron: ' 0 * * * * ', tz: 'UTC' })).toEqual({ cron: '0 * * * *', tz: 'UTC' });
  });
});

describe('StreamSchedule errors as the API answers them', () => {
  const fieldsOf = (schedule: unknown) => zodFieldErrors(StreamSchedule.safeParse(schedule).error!, 'schedules.items');

  it.each([[{ everySeconds: 90.5 }], [{ everySeconds: '300' }], [{ everySeconds: 5 }]])('puts a bad interval %j on everySeconds, saying what is wrong', (schedule) => {
    const [field, ...others] = fieldsOf(schedule);
    expect(others).toEqual([]);
    expect(field!.path).toBe('schedules.items.everySeconds');
    expect(field!.message).not.toBe('Invalid input');
  });

  it('explains the shapes, and how to switch a stream back on, for a value none of them takes', () => {
    expect(fieldsOf({ enabled: true })).toEqual([{ path: 'schedules.items', message: expect.stringContaining('to switch a stream back on, give its everySeconds or cron') }]);
    expect(fieldsOf({ every: 300 })).toEqual([{ path: 'schedules.items', message: expect.stringContaining('"everySeconds": 10…604800') }]);
  });
});
