import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHubCommand, spawnHub } from '../../test-support/hub-process.ts';

// Boots the real hub with no DATABASE_URL and no REDIS_URL, as `npm start` does on a fresh
// machine: PGlite in a temp data directory, the in-process queue.

const dataDir = mkdtempSync(join(tmpdir(), 'hub-embedded-'));
const env = { HUB_DATA_DIR: dataDir };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const TOKEN = /Bearer (hub_[A-Za-z0-9_-]{43})/;

// Each CLI call boots PGlite in its own process: seconds each on a busy machine.
describe('embedded mode', { timeout: 180_000 }, () => {
  let token = '';

  it('starts on PGlite, prints an admin token once with a curl line, and answers with it', async () => {
    const hub = spawnHub(['start'], env);
    try {
      const port = await hub.started;
      const base = `http://127.0.0.1:${port}`;
      const health = await fetch(`${base}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({
        status: 'ok',
        role: 'all',
        checks: { database: { status: 'up', kind: 'pglite' }, queue: { status: 'up', kind: 'in-process' } },
      });

      const printed = TOKEN.exec(hub.stdout());
      expect(printed, hub.stdout()).not.toBeNull();
      token = printed?.[1] ?? '';
      expect(hub.stdout()).toContain(`curl -H "Authorization: Bearer ${token}" localhost:${port}/api/integrations`);
      expect(statSync(join(dataDir, 'master.keys')).mode & 0o777).toBe(0o600);
      expect(hub.stdout()).toContain('generated a credential vault master key');

      expect((await fetch(`${base}/api/integrations`)).status).toBe(401);
      const authorised = await fetch(`${base}/api/integrations`, { headers: { authorization: `Bearer ${token}` } });
      expect(authorised.status).toBe(200);
      expect(await authorised.json()).toEqual({ integrations: [] });

      // Its poll schedules live in the in-process queue, which the next start must rebuild.
      const created = await fetch(`${base}/api/integrations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          connector: 'servicenow',
          name: 'scheduled',
          config: { instanceUrl: 'http://127.0.0.1:9' },
          credentials: { auth: { type: 'basic', username: 'u', password: 'p' } },
          schedules: { change_request: { enabled: false } },
        }),
      });
      expect(created.status).toBe(201);

      // The token appears once, in the banner, and never in a log line.
      const logLines = hub.stdout().split('\n').filter((line) => line.startsWith('{'));
      expect(logLines.some((line) => line.includes(token))).toBe(false);
      expect(logLines.some((line) => line.includes('"msg":"request"'))).toBe(true);
    } finally {
      expect(await hub.stop('SIGTERM')).toBe(0);
    }
    expect(hub.stdout()).toContain('"msg":"hub stopped"');
  });

  it('keeps its data on a second start and prints no new token', async () => {
    const hub = spawnHub(['start'], env);
    try {
      const port = await hub.started;
      expect(hub.stdout()).not.toMatch(TOKEN);
      expect(hub.stdout()).not.toContain('generated a credential vault master key');
      // The in-process queue starts empty: the integration's two enabled streams are scheduled again.
      const restored = hub.stdout().split('\n').find((line) => line.includes("restored the queue's schedules from the database"));
      expect(restored, hub.stdout()).toBeDefined();
      expect(JSON.parse(restored ?? '{}')).toMatchObject({ integrations: 1, removed: 0 });
      const response = await fetch(`http://127.0.0.1:${port}/api/tokens`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const { tokens } = (await response.json()) as { tokens: Array<{ name: string }> };
      expect(tokens.map((t) => t.name)).toEqual(['bootstrap-admin']);
    } finally {
      expect(await hub.stop('SIGINT')).toBe(0);
    }
  });

  it('refuses CLI commands while the hub holds the data directory, and a second hub on its port', async () => {
    const hub = spawnHub(['start'], env);
    try {
      const port = await hub.started;
      const pid = hub.child.pid;
      expect(readFileSync(join(dataDir, 'hub.lock'), 'utf8')).toBe(`${pid}\n`);
      const refused = await runHubCommand(['token', 'create', '--tenant', 'default', '--role', 'admin', '--name', 'while-running'], env);
      expect(refused).toMatchObject({
        code: 1,
        stdout: '',
        stderr: `hub: another hub process (pid ${pid}) is using ${dataDir}; stop it first, or use the API or admin UI\n`,
      });
      expect((await runHubCommand(['migrate'], env)).stderr).toMatch(/^hub: another hub process \(pid \d+\) is using /);

      const otherDir = mkdtempSync(join(tmpdir(), 'hub-embedded-port-'));
      try {
        const taken = await runHubCommand(['start'], { HUB_DATA_DIR: otherDir, PORT: String(port) });
        expect(taken).toMatchObject({ code: 1, stderr: `hub: port ${port} is in use; stop what uses it, or set PORT to another\n` });
      } finally {
        rmSync(otherDir, { recursive: true, force: true });
      }
    } finally {
      expect(await hub.stop('SIGTERM')).toBe(0);
    }
    expect(existsSync(join(dataDir, 'hub.lock'))).toBe(false);
    // Once it has stopped, the same command works, and nothing of the refused one was written.
    const created = await runHubCommand(['token', 'create', '--tenant', 'default', '--role', 'admin', '--name', 'after-stop'], env);
    expect(created.code, created.stderr).toBe(0);
    const listed = (await runHubCommand(['token', 'list', '--tenant', 'default'], env)).stdout;
    expect(listed).toMatch(/admin\s+active\s+never used\s+after-stop/);
    expect(listed).not.toContain('while-running');
  });

  it('takes over the lock of a process that no longer runs', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dataDir, 'hub.lock'), `${dead}\n`);
    const listed = await runHubCommand(['token', 'list', '--tenant', 'default'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(existsSync(join(dataDir, 'hub.lock'))).toBe(false);
  });

  it('says in one line what is wrong with a command line or an expiry', async () => {
    expect(await runHubCommand(['token', 'create', '--tenant', 'default', '--nmae', 'x'], env)).toMatchObject({
      code: 1,
      stderr: 'hub: unknown option --nmae; run "hub token" for its options\n',
    });
    // `Date` reads "1" as the year 2001 and rolls 30 February over to March: neither is what was meant.
    expect(await runHubCommand(['token', 'create', '--tenant', 'default', '--role', 'admin', '--name', 'old', '--expires', '1'], env)).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'hub: --expires must be an ISO date such as 2030-01-31 (1 is not)\n',
    });
    expect(await runHubCommand(['token', 'create', '--tenant', 'default', '--role', 'admin', '--name', 'leap', '--expires', '2030-02-30'], env)).toMatchObject({
      code: 1,
      stderr: 'hub: --expires must be an ISO date such as 2030-01-31 (2030-02-30 is not)\n',
    });
    expect(await runHubCommand(['token', 'create', '--tenant', 'default', '--role', 'admin', '--name', 'old', '--expires', '2001-01-01'], env)).toMatchObject({
      code: 1,
      stderr: 'hub: --expires must be in the future (2001-01-01T00:00:00.000Z is not)\n',
    });
  });

  it('manages tokens from the CLI against the same data', async () => {
    const created = await runHubCommand(['token', 'create', '--tenant', 'default', '--role', 'viewer', '--name', 'cli-made'], env);
    expect(created.code).toBe(0);
    const cliToken = /hub_[A-Za-z0-9_-]{43}/.exec(created.stdout)?.[0];
    const id = /created token ([0-9a-f-]{36})/.exec(created.stdout)?.[1];
    expect(cliToken).toBeDefined();

    const listed = await runHubCommand(['token', 'list', '--tenant', 'default'], env);
    expect(listed.stdout).toMatch(/viewer\s+active\s+never used\s+cli-made/);
    expect(listed.stdout).not.toContain(cliToken);

    const revoked = await runHubCommand(['token', 'revoke', id ?? '', '--tenant', 'default'], env);
    expect(revoked.code).toBe(0);
    expect((await runHubCommand(['token', 'list', '--tenant', 'default'], env)).stdout).toMatch(/revoked\s+never used\s+cli-made/);

    const unknownTenant = await runHubCommand(['token', 'list', '--tenant', 'nobody'], env);
    expect(unknownTenant).toMatchObject({ code: 1, stderr: 'hub: no tenant "nobody"\n' });
  });

  it('stops with one clear line on a bad variable', async () => {
    const result = await runHubCommand(['start'], { ...env, PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('hub: invalid PORT: Invalid input: expected number, received NaN\n');
  });

  it('names every bad variable, each on a line of its own', async () => {
    const result = await runHubCommand(['start'], { ...env, PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^hub: invalid PORT: /);
    expect(lines[1]).toMatch(/^hub: invalid LOG_LEVEL: /);
  });

  it('refuses production without HUB_MASTER_KEYS', async () => {
    const result = await runHubCommand(['start'], { ...env, NODE_ENV: 'production' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^hub: missing HUB_MASTER_KEYS: required when NODE_ENV=production/);
  });
});
