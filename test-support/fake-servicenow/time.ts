// ServiceNow's API format for date-times when display values are off: UTC, one-second resolution.
export function formatServiceNowTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
