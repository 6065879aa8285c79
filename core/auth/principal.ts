import type { Role } from './roles.ts';

/** Who is calling: resolved from an API token (later also from an admin UI session). */
export interface Principal {
  tenantId: string;
  role: Role;
  actorType: 'token' | 'user';
  actorId: string;
  /** Human name for audit trails, e.g. "token:ci-deploy". */
  label: string;
}
