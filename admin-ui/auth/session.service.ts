import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { userPerson, type Principal } from '../../core/auth/principal.ts';
import type { Database, Role } from '../../core/db/database.types.ts';
import { adminDb } from '../db/admin-db.ts';
import { newCsrfToken } from './csrf.ts';

// Server-side sessions: the browser holds 32 random bytes, the table holds their SHA-256. Role and
// disabled state are read from the user row on every request, so changing or disabling a user
// takes effect at once.

export const SESSION_IDLE_MS = 2 * 60 * 60 * 1000;
export const SESSION_MAX_MS = 12 * 60 * 60 * 1000;
// last_seen_at is written at most this often per session: one write per page view is waste.
const TOUCH_INTERVAL_MS = 60 * 1000;

export interface AdminSession {
  idHash: string;
  csrfToken: string;
  user: { id: string; email: string; name: string; role: Role };
  tenant: { id: string; slug: string; name: string };
  principal: Principal;
  expiresAt: Date;
}

export function hashSessionId(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function userPrincipal(user: { id: string; email: string; role: Role }, tenantId: string): Principal {
  return { tenantId, role: user.role, actorType: 'user', actorId: user.id, label: `user:${user.email}`, person: userPerson(user.id) };
}

export interface NewSession {
  userId: string;
  tenantId: string;
  userAgent: string | undefined;
  ip: string | undefined;
  now: Date;
}

/** Creates a session and returns the value for the cookie; it is stored nowhere in clear. */
export async function createSession(db: Kysely<Database>, input: NewSession): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(input.now.getTime() + SESSION_MAX_MS);
  await adminDb(db)
    .insertInto('admin_sessions')
    .values({
      id_hash: hashSessionId(token),
      tenant_id: input.tenantId,
      user_id: input.userId,
      csrf_secret: newCsrfToken(),
      user_agent: input.userAgent?.slice(0, 300) ?? null,
      ip: input.ip ?? null,
      created_at: input.now,
      last_seen_at: input.now,
      expires_at: expiresAt,
    })
    .execute();
  return { token, expiresAt };
}

/** The live session for a cookie value, or undefined when unknown, expired, idle too long or the user is disabled. */
export async function loadSession(db: Kysely<Database>, token: string, now: Date): Promise<AdminSession | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const idHash = hashSessionId(token);
  const row = await adminDb(db)
    .selectFrom('admin_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('tenants as t', 't.id', 's.tenant_id')
    .select([
      's.id_hash', 's.csrf_secret', 's.expires_at', 's.last_seen_at',
      'u.id as user_id', 'u.email', 'u.name', 'u.role', 'u.disabled_at', 'u.tenant_id as user_tenant_id',
      't.id as tenant_id', 't.slug', 't.name as tenant_name',
    ])
    .where('s.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const idleSince = now.getTime() - SESSION_IDLE_MS;
  if (row.expires_at <= now || row.last_seen_at.getTime() <= idleSince || row.disabled_at || row.user_tenant_id !== row.tenant_id) {
    await destroySession(db, idHash);
    return undefined;
  }
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_INTERVAL_MS) {
    await adminDb(db).updateTable('admin_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  const user = { id: row.user_id, email: row.email, name: row.name, role: row.role };
  return {
    idHash,
    csrfToken: row.csrf_secret,
    user,
    tenant: { id: row.tenant_id, slug: row.slug, name: row.tenant_name },
    principal: userPrincipal(user, row.tenant_id),
    expiresAt: row.expires_at,
  };
}

export async function destroySession(db: Kysely<Database>, idHash: string): Promise<void> {
  await adminDb(db).deleteFrom('admin_sessions').where('id_hash', '=', idHash).execute();
}

export async function purgeExpiredSessions(db: Kysely<Database>, now: Date): Promise<void> {
  await adminDb(db)
    .deleteFrom('admin_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', new Date(now.getTime() - SESSION_IDLE_MS))]))
    .execute();
}
