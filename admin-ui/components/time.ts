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

/**
 * A latency in its largest two units. Rounded before it is split, so a value just under a unit
 * shows as the whole unit ("2 min 0 s"), never as "1 min 60 s"; a run held by a long pause shows
 * in days and hours rather than tens of thousands of minutes.
 */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  const hours = Math.round(minutes / 60);
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
