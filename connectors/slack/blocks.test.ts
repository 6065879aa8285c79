import { describe, expect, it } from 'vitest';
import type { TaskAlert } from '../sdk/task-alerts.types.ts';
import { alertBlocks } from './blocks.ts';

// Slack refuses JSON with a lone UTF-16 surrogate: the cuts of long titles and errors fall between
// characters, never inside an emoji.

const alert: TaskAlert = {
  taskId: '6f1c0d1e-8a55-4f7b-9b0a-6e1d2c3b4a59',
  key: 'TASK-7',
  title: `x${'😀'.repeat(200)}`,
  status: 'open',
  code: 'auth_invalid',
  severity: 'high',
  integrationId: '0b7c2f4e-1d3a-4e5b-8c6d-7e8f9a0b1c2d',
  integrationName: 'SN',
  environment: 'production',
  occurrences: 1,
  lastError: `${'😀'.repeat(300)} \ud83d`,
  runbookUrl: 'https://hub.example/admin/runbooks/auth_invalid',
  acknowledgedBy: null,
  resolvedBy: null,
};

describe('alert blocks', () => {
  it('cut long titles and errors between characters, with no lone surrogate left', () => {
    for (const title of [alert.title, `xy${'😀'.repeat(200)}`]) {
      const json = JSON.stringify(alertBlocks({ ...alert, title }));
      expect(json).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
    }
  });

  it('offer Retry only for an integration a retry can poll (undefined: an alert queued by a version that did not say)', () => {
    const retry = (input: TaskAlert) => JSON.stringify(alertBlocks(input)).includes('task_retry');
    expect([retry(alert), retry({ ...alert, retryable: true }), retry({ ...alert, retryable: false })]).toEqual([true, true, false]);
  });
});
