import { describe, expect, it } from 'vitest';
import { servicenowActions } from '../../connectors/servicenow/actions.ts';
import { slackActions } from '../../connectors/slack/actions.ts';
import { templateFieldErrors } from './route.template-keys.ts';

// A template value without a placeholder reaches the action as written, for every event: one the
// action's input refuses is refused when the route is saved, with the input's own reason.

describe('template values without a placeholder', () => {
  const createIncident = servicenowActions['create_incident']!;
  const alert = slackActions['alert']!;

  it('are checked against the action input they fill', () => {
    expect(templateFieldErrors(createIncident, { short_description: 'Escalated: {{event.payload.short_description}}', urgency: 1 })).toEqual([
      { path: 'body.inputTemplate.urgency', message: expect.stringContaining('every event would send it as written') },
    ]);
    expect(templateFieldErrors(alert, { channel: '#grc-alerts', title: 'Failure {{event.payload.code}}' }).map((field) => field.path)).toEqual(['body.inputTemplate.channel']);
    // Nested: the path names the part refused.
    expect(templateFieldErrors(alert, { title: 'x', escalation: { afterMinutes: [0] } }).map((field) => field.path)).toEqual(['body.inputTemplate.escalation.afterMinutes.0']);
  });

  it('leave values with a placeholder, and literal values the input takes, to the event', () => {
    expect(templateFieldErrors(createIncident, { short_description: '{{event.payload.title}}', urgency: '{{event.payload.urgency}}', impact: '2' })).toEqual([]);
    expect(templateFieldErrors(alert, { channel: 'C0ALERTS', title: 'x', escalation: { afterMinutes: ['{{event.payload.minutes}}'] } })).toEqual([]);
  });
});
