import type { FieldError } from '../../core/http/api-error.ts';
import { zodFieldErrors } from '../../core/http/zod-fields.ts';
import { CronExpression, cronFields, TimeZone } from '../../schemas/api/schedule.schema.ts';
import { html, nothing, type Html } from '../html.ts';
import type { ConnectorInfo } from '../../schemas/api/connector.schema.ts';
import { fieldId } from './json-schema.ts';
import type { RenderedField } from './schema-form.ts';
import { hasLineBreak, sameText } from './shown-text.ts';

// One schedule per stream: the connector's default interval, a custom interval, a cron
// expression, or off. Every input is present without JavaScript; the chosen mode decides which
// ones are read.

type Mode = 'default' | 'every' | 'cron' | 'off';
type Stream = ConnectorInfo['streams'][number];
// A stored schedule, or one as typed into a refused form (its interval still text).
type ScheduleValue = { everySeconds?: number | string; cron?: string; tz?: string; enabled?: boolean };

function modeOf(value: ScheduleValue | undefined): Mode {
  if (!value) return 'default';
  if (value.enabled === false) return 'off';
  if (value.cron !== undefined) return 'cron';
  if (value.everySeconds !== undefined) return 'every';
  return 'default';
}

function cell(name: string, errors: ReadonlyMap<string, string[]>, path: string, input: (id: string, describedBy: Html) => Html): Html {
  const id = fieldId(name);
  const messages = errors.get(path) ?? [];
  const error = messages.length > 0 ? html`<p class="field-error" id="${id}-error"><span class="visually-hidden">Error: </span>${messages.join('; ')}</p>` : nothing;
  return html`<div class="${messages.length > 0 ? 'field--error' : ''}">${input(id, messages.length > 0 ? html` aria-describedby="${id}-error" aria-invalid="true"` : nothing)}${error}</div>`;
}

/**
 * A text input, or a textarea for a value stored through the API with a line break in it: an
 * input would drop the line break on the next save. The line break after <textarea> is eaten by
 * the HTML parser, so a value starting with one keeps it.
 */
function oneLine(id: string, name: string, value: string | undefined, attrs: Html): Html {
  if (value !== undefined && hasLineBreak(value)) return html`<textarea id="${id}" name="${name}" rows="2"${attrs}>
${value}</textarea>`;
  return html`<input id="${id}" name="${name}" type="text"${attrs}${value !== undefined ? html` value="${value}"` : nothing}>`;
}

/** What each input of a stream's row shows for a stored schedule. */
function shownSchedule(value: ScheduleValue | undefined): Record<'mode' | 'everySeconds' | 'cron' | 'tz', string> {
  return { mode: modeOf(value), everySeconds: value?.everySeconds === undefined ? '' : String(value.everySeconds), cron: value?.cron ?? '', tz: value?.tz ?? '' };
}

export function scheduleFields(
  streams: readonly Stream[],
  schedules: Record<string, unknown>,
  errors: ReadonlyMap<string, string[]>,
  rendered: Map<string, RenderedField>,
): Html {
  const rows = streams.map((stream) => {
    const value = schedules[stream.name] as ScheduleValue | undefined;
    const mode = modeOf(value);
    const base = `schedules.${stream.name}`;
    rendered.set(base, { id: fieldId(`${base}.mode`), label: `Schedule of ${stream.name}` });
    rendered.set(`${base}.everySeconds`, { id: fieldId(`${base}.everySeconds`), label: `Interval of ${stream.name}` });
    rendered.set(`${base}.cron`, { id: fieldId(`${base}.cron`), label: `Cron expression of ${stream.name}` });
    rendered.set(`${base}.tz`, { id: fieldId(`${base}.tz`), label: `Time zone of ${stream.name}` });
    const option = (m: Mode, label: string) => html`<option value="${m}"${m === mode ? html` selected` : nothing}>${label}</option>`;
    return html`<tr>
  <th scope="row">${stream.name}<span class="sub">${stream.description}</span></th>
  <td>${cell(`${base}.mode`, errors, base, (id, aria) => html`<label class="visually-hidden" for="${id}">Schedule for ${stream.name}</label><select id="${id}" name="${base}.mode"${aria}>
    ${option('default', `Default: every ${stream.defaultIntervalSeconds} s`)}${option('every', 'Every N seconds')}${option('cron', 'Cron expression')}${option('off', 'Off')}
  </select>`)}</td>
  <td>${cell(`${base}.everySeconds`, errors, `${base}.everySeconds`, (id, aria) => html`<label class="visually-hidden" for="${id}">Interval in seconds for ${stream.name}</label><input id="${id}" name="${base}.everySeconds" type="number" min="10" step="1" inputmode="numeric" class="input input--short" placeholder="${stream.defaultIntervalSeconds}"${
      value?.everySeconds !== undefined ? html` value="${value.everySeconds}"` : nothing
    }${aria}>`)}</td>
  <td>${cell(`${base}.cron`, errors, `${base}.cron`, (id, aria) => html`<label class="visually-hidden" for="${id}">Cron expression for ${stream.name}</label>${oneLine(id, `${base}.cron`, value?.cron, html` class="input input--code" placeholder="0 * * * *" spellcheck="false"${aria}`)}`)}</td>
  <td>${cell(`${base}.tz`, errors, `${base}.tz`, (id, aria) => html`<label class="visually-hidden" for="${id}">Time zone for ${stream.name}</label>${oneLine(id, `${base}.tz`, value?.tz, html` class="input" placeholder="UTC" spellcheck="false"${aria}`)}`)}</td>
</tr>`;
  });
  return html`<div class="table-wrap"><table class="schedule-table">
<thead><tr><th scope="col">Stream</th><th scope="col">Schedule</th><th scope="col">Every (seconds)</th><th scope="col">Cron</th><th scope="col">Time zone</th></tr></thead>
<tbody>${rows}</tbody></table></div>
<p class="hint">An interval is at least 10 seconds. Cron expressions use five fields (minute hour day month weekday), or six with a single seconds value first (<code>30 */5 * * * *</code>), evaluated in the time zone given (UTC by default).</p>`;
}

/**
 * The schedules object for the API, plus errors for inputs that cannot be right, and `typed`: each
 * stream as entered, for showing a refused form again as the admin left it (a stream whose input
 * was wrong must not come back as "Default", which saving as shown would then store).
 */
export function parseSchedules(
  streams: readonly Stream[],
  form: Readonly<Record<string, string>>,
  stored: Record<string, unknown> = {},
): { schedules: Record<string, unknown>; errors: FieldError[]; typed: Record<string, ScheduleValue> } {
  const schedules: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  const typed: Record<string, ScheduleValue> = {};
  for (const stream of streams) {
    const base = `schedules.${stream.name}`;
    // A row sent back as it was shown keeps the stored schedule as it is (its `enabled: true`, its
    // cron as written), rather than one rebuilt from the inputs.
    const kept = Object.hasOwn(stored, stream.name) ? (stored[stream.name] as ScheduleValue | undefined) : undefined;
    if (kept && Object.entries(shownSchedule(kept)).every(([input, shown]) => sameText(form[`${base}.${input}`], shown))) {
      schedules[stream.name] = kept;
      typed[stream.name] = kept;
      continue;
    }
    const mode = form[`${base}.mode`] ?? 'default';
    const cron = (form[`${base}.cron`] ?? '').trim();
    const everySeconds = (form[`${base}.everySeconds`] ?? '').trim();
    const tz = (form[`${base}.tz`] ?? '').trim();
    if (mode !== 'default') {
      typed[stream.name] = {
        ...(mode === 'off' ? { enabled: false } : {}),
        ...((mode === 'every' || (mode === 'off' && everySeconds !== '')) ? { everySeconds } : {}),
        ...((mode === 'cron' || (mode === 'off' && cron !== '')) ? { cron } : {}),
        ...(tz !== '' ? { tz } : {}),
      };
    }
    if (mode === 'off') {
      // Switching a stream off keeps its cron or interval, so switching it on again restores it.
      const kept = cron !== '' ? cronSchedule(base, cron, form, errors) : everySeconds !== '' ? intervalSchedule(base, everySeconds, errors) : {};
      if (kept) schedules[stream.name] = { ...kept, enabled: false };
    } else if (mode === 'every') {
      const schedule = intervalSchedule(base, everySeconds, errors);
      if (schedule) schedules[stream.name] = schedule;
    } else if (mode === 'cron') {
      const schedule = cronSchedule(base, cron, form, errors);
      if (schedule) schedules[stream.name] = schedule;
    }
  }
  return { schedules, errors, typed };
}

function intervalSchedule(base: string, text: string, errors: FieldError[]): { everySeconds: number } | undefined {
  const seconds = Number(text);
  if (text === '' || !Number.isInteger(seconds) || seconds < 10 || seconds > 7 * 24 * 3600) {
    errors.push({ path: `body.${base}.everySeconds`, message: 'enter a whole number of seconds between 10 and 604800 (one week)' });
    return undefined;
  }
  return { everySeconds: seconds };
}

function cronSchedule(base: string, cron: string, form: Readonly<Record<string, string>>, errors: FieldError[]): { cron: string; tz?: string } | undefined {
  const tz = (form[`${base}.tz`] ?? '').trim();
  const problems = cronProblems(base, cron, tz);
  if (problems.length > 0) {
    errors.push(...problems);
    return undefined;
  }
  const fields = cronFields(cron);
  return tz ? { cron: fields, tz } : { cron: fields };
}

// The API's own checks (schemas/api/schedule.schema.ts), so the form takes exactly what the API
// takes: the queue only finds out about a bad expression when it schedules it, after the
// integration is saved. Checked field by field, so each message stands beside its input rather
// than on the schedule as a whole.
function cronProblems(base: string, cron: string, tz: string): FieldError[] {
  if (cron === '') return [{ path: `body.${base}.cron`, message: 'enter a cron expression such as 0 * * * * (every hour)' }];
  const problems: FieldError[] = [];
  const expression = CronExpression.safeParse(cron);
  if (!expression.success) problems.push(...zodFieldErrors(expression.error, `body.${base}.cron`));
  const zone = tz === '' ? undefined : TimeZone.safeParse(tz);
  if (zone && !zone.success) problems.push(...zodFieldErrors(zone.error, `body.${base}.tz`));
  return problems;
}
