import type { Context } from 'hono';
import { authenticateApiToken } from '../auth/api-token.service.ts';
import type { Principal } from '../auth/principal.ts';
import { roleAllows } from '../auth/roles.ts';
import type { HubContext } from '../server/hub-context.ts';
import { ForbiddenError, UnauthorizedError } from './api-error.ts';
import type { AppEnv } from './app-env.ts';
import type { Access } from './route.ts';

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** 401 without a valid token, 403 when its role is below what the route requires. */
export async function authorize(c: Context<AppEnv>, hub: HubContext, access: Access): Promise<Principal | undefined> {
  if (access === 'public') return undefined;
  const presented = bearerToken(c.req.header('authorization'));
  if (!presented) throw new UnauthorizedError();
  const principal = await authenticateApiToken(hub.db, presented, hub.clock(), {
    method: c.req.method,
    // As sent, still percent-encoded: the decoded path may hold a NUL, which the audit log's jsonb
    // cannot store, and this runs before the request's input is validated.
    path: new URL(c.req.url).pathname,
    requestId: c.get('requestId'),
  });
  if (!principal) throw new UnauthorizedError('the API token is unknown, revoked or expired');
  if (!roleAllows(principal.role, access)) {
    throw new ForbiddenError(`this action needs the ${access} role; the token has ${principal.role}`);
  }
  c.set('principal', principal);
  return principal;
}
