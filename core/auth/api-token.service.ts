import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { auditActorOf, auditAs } from '../audit/audit-as.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { ConflictError, NotFoundError, ValidationError } from '../http/api-error.ts';
import { isUniqueViolation } from '../db/postgres-errors.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { ApiTokenRow, Database } from '../db/database.types.ts';
import { displayPrefix, generateApiToken, hashApiToken, looksLikeApiToken } from './api-token.ts';
import { findApiTokenByHash, insertApiToken, touchApiToken } from './api-token.repository.ts';
import { revokeTokenLine, type TokenRevocation } from './api-token-revocation.ts';
import { tokenPerson, type Principal } from './principal.ts';
import type { Role } from './roles.ts';

// Token use is audited at most this often per token, so a busy integration does not write an
// audit row per request while the trail still shows when and from where a token is used.
const USE_AUDIT_INTERVAL_MS = 15 * 60 * 1000;

export interface CreateTokenInput {
  tenantId: string;
  role: Role;
  name: string;
  createdBy: string;
  expiresAt?: Date | undefined;
  /**
   * Who acts through the token (Principal.person): the person of the principal making it, or of the
   * user it is made for. Absent (the CLI, first start), the token is a person of its own.
   */
  person?: string | undefined;
  /** The admin UI form that asks for it: a second token for the same form is refused. */
  formId?: string | undefined;
  /** The token making it (POST /api/tokens): revoking that one with its descendants takes this one. */
  createdByTokenId?: string | undefined;
  /** The admin UI user making it on the API tokens page. */
  createdByUserId?: string | undefined;
}

/** The form that asked for a token already made one (a reload sent it again); nothing new is made. */
export class TokenFormUsedError extends ConflictError {
  override name = 'TokenFormUsedError';
  constructor() {
    super('this form already made its token, which was shown once; if it was not copied, revoke it and make a new one');
  }
}

/** Creates a token; the plaintext is returned here once and stored nowhere. */
export async function createApiToken(db: Kysely<Database>, input: CreateTokenInput): Promise<{ token: string; row: ApiTokenRow }> {
  const token = generateApiToken();
  const id = randomUUID();
  const row = await insertApiToken(db, {
    id,
    person: input.person ?? `token:${id}`,
    form_id: input.formId ?? null,
    tenant_id: input.tenantId,
    role: input.role,
    name: input.name,
    created_by: input.createdBy,
    created_by_token_id: input.createdByTokenId ?? null,
    created_by_user_id: input.createdByUserId ?? null,
    display_prefix: displayPrefix(token),
    token_hash: hashApiToken(token),
    expires_at: input.expiresAt ?? null,
  }).catch((error: unknown) => {
    if (input.formId !== undefined && isUniqueViolation(error)) throw new TokenFormUsedError();
    throw error;
  });
  return { token, row };
}

/** What a person asks for when making a token through the API or the admin UI. */
export interface TokenRequest {
  name: string;
  role: Role;
  /** ISO timestamp; must lie in the future. */
  expiresAt?: string | undefined;
  /** The admin UI form asking (see CreateTokenInput.formId). */
  formId?: string | undefined;
}

/**
 * Makes a token for `principal`, audited: it acts for the same person (Principal.person), so a token
 * cannot make its maker a second admin for four eyes.
 */
export async function issueApiToken(hub: Pick<HubContext, 'db' | 'clock'>, principal: Principal, request: TokenRequest, requestId: string): Promise<{ token: string; row: ApiTokenRow }> {
  // Checked here, not in the schema, because "now" is the hub's clock.
  if (request.expiresAt && Date.parse(request.expiresAt) <= hub.clock().getTime()) {
    throw new ValidationError('invalid body: body.expiresAt must be in the future', [{ path: 'body.expiresAt', message: 'must be in the future' }]);
  }
  // A token handed out for a while (a contractor, a CI job) cannot make itself a lasting one: what
  // it makes expires with it at the latest, and by default.
  const makerExpires = principal.expiresAt;
  if (makerExpires && request.expiresAt && Date.parse(request.expiresAt) > makerExpires.getTime()) {
    const message = `must not be later than the token making it expires (${makerExpires.toISOString()})`;
    throw new ValidationError(`invalid body: body.expiresAt ${message}`, [{ path: 'body.expiresAt', message }]);
  }
  const expiresAt = request.expiresAt ? new Date(request.expiresAt) : makerExpires;
  const created = await createApiToken(hub.db, {
    tenantId: principal.tenantId,
    role: request.role,
    name: request.name,
    createdBy: principal.label,
    ...(principal.actorType === 'token' ? { createdByTokenId: principal.actorId } : { createdByUserId: principal.actorId }),
    person: principal.person,
    formId: request.formId,
    expiresAt,
  });
  await auditAs(hub.db, principal, requestId, { action: 'token.created', targetType: 'api_token', targetId: created.row.id, detail: { name: created.row.name, role: created.row.role } });
  return created;
}

/**
 * Revokes a token of the principal's tenant, and with `withDescendants` every token made from it,
 * audited; 404 when the tenant has no such token or nothing of what was asked is left to revoke.
 */
export async function revokeApiTokenAs(
  hub: Pick<HubContext, 'db' | 'clock'>,
  principal: Principal,
  id: string,
  requestId: string,
  { withDescendants = false }: { withDescendants?: boolean } = {},
): Promise<TokenRevocation> {
  const revocation = await revokeTokenLine(hub.db, principal.tenantId, id, { withDescendants, at: hub.clock(), actor: auditActorOf(principal, requestId) });
  if (!revocation) throw new NotFoundError(withDescendants ? 'active token or token made from it' : 'active token');
  return revocation;
}

export interface TokenUse {
  method: string;
  path: string;
  requestId: string;
}

/** Resolves a presented token to a principal, or undefined for unknown, revoked or expired ones. */
export async function authenticateApiToken(
  db: Kysely<Database>,
  presented: string,
  now: Date,
  use: TokenUse,
): Promise<Principal | undefined> {
  if (!looksLikeApiToken(presented)) return undefined;
  const row = await findApiTokenByHash(db, hashApiToken(presented));
  if (!row || row.revoked_at || (row.expires_at && row.expires_at <= now)) return undefined;
  // Disabling a user revokes the tokens acting for them, but not one made by a request that was
  // authenticated just before the disable committed: such a token works only while its user does.
  if (row.person_active === false) return undefined;
  // Likewise a token made by a request of a token whose line was being revoked as it ran.
  if (row.maker_line_revoked) return undefined;
  const firstUseInWindow = await touchApiToken(db, row.id, now, new Date(now.getTime() - USE_AUDIT_INTERVAL_MS));
  if (firstUseInWindow) {
    await recordAudit(db, {
      tenantId: row.tenant_id,
      actorType: 'token',
      actorId: row.id,
      action: 'token.used',
      targetType: 'api_token',
      targetId: row.id,
      detail: { method: use.method, path: use.path },
      requestId: use.requestId,
    });
  }
  return { tenantId: row.tenant_id, role: row.role, actorType: 'token', actorId: row.id, label: `token:${row.name}`, person: tokenPerson(row), ...(row.expires_at ? { expiresAt: row.expires_at } : {}) };
}
