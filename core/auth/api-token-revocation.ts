import type { Kysely } from 'kysely';
import type { AuditActor } from '../audit/audit-as.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import type { ApiTokenRow, Database } from '../db/database.types.ts';
import { findTokenLine, markDescendantsRevoked, revokeTokens, type LineToken } from './api-token-line.repository.ts';
import { findApiToken } from './api-token.repository.ts';
import { tokenWorks } from './api-token-line.ts';

export interface TokenRevocation {
  /** The token named, as it is now. */
  token: ApiTokenRow;
  /** Every token this revocation revoked, oldest first: the token named first when it was active. */
  revoked: LineToken[];
  /** Tokens made from it, at any depth, that still work: what revoking with descendants would take. */
  activeDescendantIds: string[];
}

export interface RevocationOptions {
  /** Also revoke every token made from it, at any depth. */
  withDescendants: boolean;
  at: Date;
  actor: AuditActor;
}

/**
 * Revokes a token of the tenant, and with `withDescendants` every token made from it, in one
 * transaction with an audit entry per token revoked. Undefined when the tenant has no such token or
 * nothing of what was asked is left to revoke.
 */
export async function revokeTokenLine(db: Kysely<Database>, tenantId: string, id: string, options: RevocationOptions): Promise<TokenRevocation | undefined> {
  const { withDescendants, at, actor } = options;
  return db.transaction().execute(async (trx) => {
    const line = await findTokenLine(trx, tenantId, id);
    if (!line.some((token) => token.id === id)) return undefined;
    const revoked = new Set((await revokeTokens(trx, tenantId, withDescendants ? line.map((token) => token.id) : [id], at)).map((token) => token.id));
    if (revoked.size === 0) return undefined;
    if (withDescendants) await markDescendantsRevoked(trx, tenantId, line.map((token) => token.id), at);
    const revokedInOrder = line.filter((token) => revoked.has(token.id));
    for (const token of revokedInOrder) {
      const why = token.id === id ? {} : { reason: `made by revoked token ${token.created_by_token_id}`, revokedWith: id };
      await recordAudit(trx, {
        tenantId,
        actorType: actor.actorType,
        actorId: actor.actorId,
        ...(actor.requestId ? { requestId: actor.requestId } : {}),
        action: 'token.revoked',
        targetType: 'api_token',
        targetId: token.id,
        detail: { ...actor.detail, name: token.name, ...why },
      });
    }
    const activeDescendantIds = line
      .filter((token) => token.id !== id && !revoked.has(token.id) && tokenWorks(token, at))
      .map((token) => token.id);
    const token = await findApiToken(trx, tenantId, id);
    if (!token) return undefined;
    return { token, revoked: revokedInOrder, activeDescendantIds };
  });
}
