import type { Role } from './roles.ts';

/** Who is calling: resolved from an API token (later also from an admin UI session). */
export interface Principal {
  tenantId: string;
  role: Role;
  actorType: 'token' | 'user';
  actorId: string;
  /** Human name for audit trails, e.g. "token:ci-deploy". */
  label: string;
  /**
   * The person acting, for four eyes: `user:<id>` for a user and a token made for one, else
   * `token:<id>` of the first token in the line the calling token was made from (see 0011).
   */
  person: string;
  /**
   * When the calling credential stops working, if it does (a token made to expire): a token it
   * makes cannot outlive it. Absent for users and tokens that never expire.
   */
  expiresAt?: Date;
}

/** The person of a user, and of every token made for them. */
export function userPerson(userId: string): string {
  return `user:${userId}`;
}

/** The person of a token (Principal.person); a token without one recorded is a person of its own. */
export function tokenPerson(token: { id: string; person: string | null }): string {
  return token.person ?? `token:${token.id}`;
}
