// ServiceNow's API format for date-times when display values are off: UTC, one-second resolution.
export function formatServiceNowTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/**
 * A date-time literal of a query as an instance reads it for a user `offsetMinutes` east of UTC
 * (UTC-5 is -300): local time, so the UTC instant is the literal minus the offset. Other values
 * are returned as they are.
 */
export function literalAsUtc(value: string, offsetMinutes: number): string {
  if (offsetMinutes === 0 || !DATE_TIME.test(value)) return value;
  return formatServiceNowTime(new Date(Date.parse(`${value.replace(' ', 'T')}Z`) - offsetMinutes * 60_000));
}
