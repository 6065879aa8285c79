import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHubCommand, spawnHub } from '../../test-support/hub-process.ts';

// Embedded mode keeps the generated master key in HUB_DATA_DIR/master.keys beside the database.
// When that file is missing (not restored from a backup with ./data/pglite, a volume mounted over
// only part of the directory, deleted by mistake), a start must say so, and must not leave a new
// key in its place (which would refuse every later start too) or tell the operator to back it up.

const dataDir = mkdtempSync(join(tmpdir(), 'hub-lost-key-'));
const keyFile = join(dataDir, 'master.keys');
let second: { code: number | null; stdout: string; stderr: string };
let backup = '';

beforeAll(async () => {
  const first = spawnHub(['start'], { HUB_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
  await first.started;
  expect(await first.stop('SIGTERM')).toBe(0);
  expect(existsSync(keyFile)).toBe(true);
  backup = readFileSync(keyFile, 'utf8');
  rmSync(keyFile);
  second = await runHubCommand(['start'], { HUB_DATA_DIR: dataDir });
}, 240_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a start whose master.keys is missing beside an existing embedded database', () => {
  it('is refused with a message that names the missing key file, not another process', () => {
    expect(second.code).toBe(1);
    const refusal = second.stderr.trim();
    expect(refusal).toMatch(/^hub: /);
    expect(refusal).toContain('master.keys');
    expect(refusal).not.toContain('another process');
  });

  it('does not leave a newly generated key in master.keys that no stored secret was sealed with', () => {
    expect(second.stdout).not.toContain('generated a credential vault master key');
    expect(existsSync(keyFile)).toBe(false);
  });

  it('is refused the same way by hub keys status, which leaves no key behind either', async () => {
    const status = await runHubCommand(['keys', 'status'], { HUB_DATA_DIR: dataDir });
    expect(status.code).toBe(1);
    expect(status.stderr.trim()).toMatch(/^hub: .*master\.keys is missing/);
    expect(existsSync(keyFile)).toBe(false);
  }, 120_000);

  it('starts again once the key file is restored from the backup', async () => {
    writeFileSync(keyFile, backup, { mode: 0o600 });
    const restored = spawnHub(['start'], { HUB_DATA_DIR: dataDir });
    await restored.started;
    expect(await restored.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
