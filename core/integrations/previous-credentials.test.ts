import { describe, expect, it } from 'vitest';
import { servicenow } from '../../connectors/servicenow/connector.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { parseMasterKeys } from '../vault/master-keys.ts';
import { keepPreviousCredentials, NO_PREVIOUS_CREDENTIALS, openPreviousCredentials, previousCredentialsUntil } from './previous-credentials.ts';

const parsed = parseMasterKeys(`1:${Buffer.alloc(32, 3).toString('base64')}`);
if (!parsed.ok) throw new Error(parsed.error);
const masterKeys = parsed.keys;
const NOW = new Date('2026-11-24T10:00:00Z');
const replaced = { auth: { type: 'basic', username: 'svc', password: 'old-password' }, webhookSecret: 'whsec_old' };
const replacement = { auth: { type: 'basic', username: 'svc', password: 'new-password' }, webhookSecret: 'whsec_new' };
const row = { tenant_id: '00000000-0000-4000-8000-000000000001', id: '00000000-0000-4000-8000-000000000002' };
const withoutWebhooks = { ...servicenow, webhook: undefined } as unknown as AnyConnector;

function hubAt(now: Date, graceSeconds = 3600): HubContext {
  const warnings: string[] = [];
  return {
    config: { HUB_WEBHOOK_SECRET_GRACE_SECONDS: graceSeconds },
    masterKeys,
    clock: () => now,
    logger: { warn: (_: unknown, message: string) => warnings.push(message) },
  } as unknown as HubContext;
}

function stored(columns: ReturnType<typeof keepPreviousCredentials>): IntegrationConfigRow {
  return { ...row, ...columns } as unknown as IntegrationConfigRow;
}

describe('credentials a change replaces', () => {
  it('are kept, sealed, for the grace window and open until its end only', () => {
    const columns = keepPreviousCredentials(hubAt(NOW), row, servicenow as unknown as AnyConnector, replaced, replacement);
    expect(columns.previous_credentials_until).toEqual(new Date(NOW.getTime() + 3600_000));
    expect(columns.previous_credentials_ciphertext).not.toContain('old-password');

    const justBefore = new Date(NOW.getTime() + 3600_000 - 1);
    expect(openPreviousCredentials(hubAt(justBefore), stored(columns))).toEqual({ credentials: replaced, until: columns.previous_credentials_until });
    expect(previousCredentialsUntil(hubAt(justBefore), stored(columns))).toEqual(columns.previous_credentials_until);
    // A window of 0 set since stops it too.
    expect(previousCredentialsUntil(hubAt(justBefore, 0), stored(columns))).toBeNull();
    expect(openPreviousCredentials(hubAt(justBefore, 0), stored(columns))).toBeUndefined();

    const atTheEnd = new Date(NOW.getTime() + 3600_000);
    expect(openPreviousCredentials(hubAt(atTheEnd), stored(columns))).toBeUndefined();
    expect(previousCredentialsUntil(hubAt(atTheEnd), stored(columns))).toBeNull();
  });

  it('are not kept when the window is 0, the connector takes no webhooks, or the old ones could not be opened', () => {
    expect(keepPreviousCredentials(hubAt(NOW, 0), row, servicenow as unknown as AnyConnector, replaced, replacement)).toEqual(NO_PREVIOUS_CREDENTIALS);
    expect(keepPreviousCredentials(hubAt(NOW), row, withoutWebhooks, replaced, replacement)).toEqual(NO_PREVIOUS_CREDENTIALS);
    expect(keepPreviousCredentials(hubAt(NOW), row, servicenow as unknown as AnyConnector, undefined, replacement)).toEqual(NO_PREVIOUS_CREDENTIALS);
  });

  it('leave an earlier window as it is after a change that keeps the webhook secret, and go when the new credentials hold none', () => {
    const sameSecret = { ...replacement, webhookSecret: replaced.webhookSecret };
    expect(keepPreviousCredentials(hubAt(NOW), row, servicenow as unknown as AnyConnector, replaced, sameSecret)).toEqual({});
    const { webhookSecret: _dropped, ...noSecret } = replacement;
    expect(keepPreviousCredentials(hubAt(NOW), row, servicenow as unknown as AnyConnector, replaced, noSecret)).toEqual(NO_PREVIOUS_CREDENTIALS);
    // Nor when the old ones had none: nothing was signed with one to wait for.
    const { webhookSecret: _none, ...noOldSecret } = replaced;
    expect(keepPreviousCredentials(hubAt(NOW), row, servicenow as unknown as AnyConnector, noOldSecret, replacement)).toEqual(NO_PREVIOUS_CREDENTIALS);
  });

  it('count as none when they cannot be opened (sealed for another integration), rather than throwing', () => {
    const columns = keepPreviousCredentials(hubAt(NOW), row, servicenow as unknown as AnyConnector, replaced, replacement);
    const moved = { ...stored(columns), id: '00000000-0000-4000-8000-000000000003' } as IntegrationConfigRow;
    expect(openPreviousCredentials(hubAt(NOW), moved)).toBeUndefined();
  });
});
