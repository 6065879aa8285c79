import { html, type Html } from '../html.ts';
import { humanize, type JsonSchema } from './json-schema.ts';

function flatten(schema: JsonSchema | undefined, value: unknown, prefix: string[], out: Array<[string, string]>): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      flatten(schema?.properties?.[key], inner, [...prefix, schema?.properties?.[key]?.title ?? humanize(key)], out);
    }
    return;
  }
  out.push([prefix.join(' › '), Array.isArray(value) ? value.join(', ') : String(value)]);
}

/** The configuration as label/value pairs, for people who may look but not change. */
export function configSummary(schema: JsonSchema, config: Record<string, unknown>): Html {
  const pairs: Array<[string, string]> = [];
  flatten(schema, config, [], pairs);
  if (pairs.length === 0) return html`<p class="muted">No settings.</p>`;
  return html`<dl class="props">${pairs.map(([label, value]) => html`<dt>${label}</dt><dd><code>${value}</code></dd>`)}</dl>`;
}

export function scheduleSummary(streams: ReadonlyArray<{ name: string; defaultIntervalSeconds: number }>, schedules: Record<string, unknown>): Html {
  const describe = (stream: { name: string; defaultIntervalSeconds: number }): string => {
    const value = schedules[stream.name] as { everySeconds?: number; cron?: string; tz?: string; enabled?: boolean } | undefined;
    if (value?.enabled === false) return 'Off';
    if (value?.cron) return `Cron ${value.cron}${value.tz ? ` (${value.tz})` : ' (UTC)'}`;
    return `Every ${value?.everySeconds ?? stream.defaultIntervalSeconds} s${value?.everySeconds === undefined ? ' (default)' : ''}`;
  };
  return html`<dl class="props">${streams.map((stream) => html`<dt>${stream.name}</dt><dd>${describe(stream)}</dd>`)}</dl>`;
}
