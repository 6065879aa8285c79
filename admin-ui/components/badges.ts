import { html, type Html } from '../html.ts';

// Status is always spelt out in text; colour only reinforces it.

type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'idle';

function badge(tone: Tone, label: string): Html {
  return html`<span class="badge badge--${tone}">${label}</span>`;
}

export type DisplayedHealth = 'healthy' | 'degraded' | 'failing' | 'paused' | 'new';

const HEALTH: Record<DisplayedHealth, [Tone, string]> = {
  healthy: ['ok', 'Healthy'],
  degraded: ['warn', 'Degraded'],
  failing: ['bad', 'Failing'],
  paused: ['idle', 'Paused'],
  new: ['idle', 'No runs yet'],
};

export function healthBadge(status: DisplayedHealth): Html {
  const [tone, label] = HEALTH[status];
  return badge(tone, label);
}

const RUN: Record<string, [Tone, string]> = {
  succeeded: ['ok', 'Succeeded'],
  failed: ['bad', 'Failed'],
  running: ['info', 'Running'],
  queued: ['idle', 'Queued'],
  cancelled: ['idle', 'Cancelled'],
};

export function runBadge(status: string): Html {
  const [tone, label] = RUN[status] ?? ['idle', status];
  return badge(tone, label);
}

const TASK: Record<string, [Tone, string]> = {
  open: ['bad', 'Open'],
  acknowledged: ['warn', 'Acknowledged'],
  resolved: ['ok', 'Resolved'],
};

export function taskBadge(status: string): Html {
  const [tone, label] = TASK[status] ?? ['idle', status];
  return badge(tone, label);
}

const EVENT: Record<string, [Tone, string]> = {
  pending: ['idle', 'Pending'],
  processed: ['ok', 'Processed'],
  failed: ['bad', 'Failed'],
};

export function eventBadge(status: string): Html {
  const [tone, label] = EVENT[status] ?? ['idle', status];
  return badge(tone, label);
}

export function breakerBadge(state: 'closed' | 'open' | 'half_open'): Html {
  if (state === 'open') return badge('bad', 'Open');
  if (state === 'half_open') return badge('warn', 'Half-open');
  return html`<span class="muted">Closed</span>`;
}

const SEVERITY: Record<string, Tone> = { critical: 'bad', high: 'bad', medium: 'warn', low: 'idle' };

export function severityBadge(severity: string): Html {
  return badge(SEVERITY[severity] ?? 'idle', severity.charAt(0).toUpperCase() + severity.slice(1));
}

export function environmentTag(environment: string): Html {
  return html`<span class="tag tag--${environment}">${environment}</span>`;
}
