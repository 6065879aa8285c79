import { z } from 'zod';

export const Role = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

// Roles are ordered: each one may do everything the ones before it may.
const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function roleAllows(held: Role, required: Role): boolean {
  return rank[held] >= rank[required];
}

export function rolesBelow(required: Role): Role[] {
  return Role.options.filter((role) => rank[role] < rank[required]);
}
