import { html, type Html } from '../html.ts';

export interface HourlyPoint {
  hour: Date;
  runsTotal: number;
  runsFailed: number;
}

const HOURS = 24;
const WIDTH = 96;
const HEIGHT = 24;
const GAP = 1;

/**
 * Runs per hour over the last 24 hours as an inline SVG bar chart: failed runs in red at the
 * bottom of each bar, hours without runs as a thin grey tick. Described in words for screen readers.
 */
export function sparkline(points: readonly HourlyPoint[], now: Date): Html {
  const currentHour = Math.floor(now.getTime() / 3_600_000);
  const byHour = new Map(points.map((p) => [Math.floor(p.hour.getTime() / 3_600_000), p]));
  const buckets = Array.from({ length: HOURS }, (_, i) => byHour.get(currentHour - (HOURS - 1) + i));
  const max = Math.max(1, ...buckets.map((b) => b?.runsTotal ?? 0));
  const barWidth = (WIDTH - GAP * (HOURS - 1)) / HOURS;
  const total = buckets.reduce((sum, b) => sum + (b?.runsTotal ?? 0), 0);
  const failed = buckets.reduce((sum, b) => sum + (b?.runsFailed ?? 0), 0);
  const label = total === 0 ? 'No runs in the last 24 hours' : `Last 24 hours: ${total} runs, ${failed} failed`;

  const bars = buckets.map((bucket, i) => {
    const x = (i * (barWidth + GAP)).toFixed(2);
    const w = barWidth.toFixed(2);
    if (!bucket || bucket.runsTotal === 0) return html`<rect class="bar--empty" x="${x}" y="${HEIGHT - 1}" width="${w}" height="1"></rect>`;
    const height = Math.max(2, (bucket.runsTotal / max) * HEIGHT);
    const failedHeight = bucket.runsFailed > 0 ? Math.max(1.5, (bucket.runsFailed / bucket.runsTotal) * height) : 0;
    return html`<rect class="bar" x="${x}" y="${(HEIGHT - height).toFixed(2)}" width="${w}" height="${height.toFixed(2)}"></rect>${
      failedHeight > 0
        ? html`<rect class="bar--failed" x="${x}" y="${(HEIGHT - failedHeight).toFixed(2)}" width="${w}" height="${failedHeight.toFixed(2)}"></rect>`
        : ''
    }`;
  });
  return html`<svg class="sparkline" role="img" aria-label="${label}" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}"><title>${label}</title>${bars}</svg>`;
}
