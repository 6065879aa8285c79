import { html, type Html } from '../html.ts';

// Times are shown in UTC with the unit spelt out: operators compare them with upstream logs,
// which are in UTC too, and a page rendered on the server cannot know the reader's zone.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

export function formatUtc(date: Date, withSeconds = false): string {
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}${withSeconds ? `:${pad(date.getUTCSeconds())}` : ''}`;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}, ${time} UTC`;
}

/** "3 min ago", "in 12 days", "just now". */
export function relative(date: Date, now: Date): string {
  const diff = date.getTime() - now.getTime();
  const abs = Math.abs(diff);
  const units: Array<[number, string]> = [
    [24 * 3_600_000, 'day'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  if (abs < 5000) return 'just now';
  for (const [size, unit] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const label = unit === 'day' ? (n === 1 ? 'day' : 'days') : unit;
      return diff < 0 ? `${n} ${label} ago` : `in ${n} ${label}`;
    }
  }
  return 'just now';
}

export function timeTag(date: Date | string | null | undefined, options: { now?: Date; empty?: string; seconds?: boolean } = {}): Html {
  if (date === null || date === undefined) return html`<span class="muted">${options.empty ?? '—'}</span>`;
  const value = typeof date === 'string' ? new Date(date) : date;
  const absolute = formatUtc(value, options.seconds);
  if (options.now) return html`<time datetime="${value.toISOString()}" title="${absolute}">${relative(value, options.now)}</time>`;
  return html`<time datetime="${value.toISOString()}">${absolute}</time>`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
