import type { Kysely } from 'kysely';
import type { Role } from '../../core/auth/roles.ts';
import type { Database } from '../../core/db/database.types.ts';
import { listen, type HttpServer } from '../../core/server/http-server.ts';
import { createUser } from '../../core/users/user.service.ts';
import { startTestHub, type TestHub, type TestHubOptions } from '../test-hub.ts';

/** A test hub (services, workers, the full HTTP app with /admin) listening on a real port. */
export interface AdminTestServer {
  test: TestHub;
  http: HttpServer;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startAdminTestServer(options: TestHubOptions): Promise<AdminTestServer> {
  const test = await startTestHub(options);
  const http = await listen(test.app, 0, '127.0.0.1');
  return {
    test,
    http,
    baseUrl: `http://127.0.0.1:${http.port}`,
    async close() {
      await http.close(2_000);
      await test.close();
    },
  };
}

export interface TestUser {
  email: string;
  password: string;
  role: Role;
  name: string;
}

let counter = 0;

/** An admin UI user with a known password. */
export async function createTestUser(db: Kysely<Database>, tenantId: string, role: Role, overrides: Partial<TestUser> = {}): Promise<TestUser> {
  counter += 1;
  const user: TestUser = {
    email: overrides.email ?? `${role}${counter}@example.com`,
    password: overrides.password ?? `correct horse ${role} ${counter}`,
    name: overrides.name ?? `${role.charAt(0).toUpperCase()}${role.slice(1)} ${counter}`,
    role,
  };
  await createUser(db, { tenantId, ...user });
  return user;
}
