import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHubCommand } from '../../test-support/hub-process.ts';
import { EMBEDDED_POSTGRES_MAJOR } from './embedded-version.ts';

// A data directory written by a hub whose PGlite is another PostgreSQL major (a later hub moving to
// PostgreSQL 19 writes PG_VERSION 19) is refused with one line naming HUB_DATA_DIR and the version,
// as a database migrated by a newer hub is, not PGlite's "failed to initialize properly" and a
// stack trace.

const dataDir = mkdtempSync(join(tmpdir(), 'hub-newer-pglite-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('an embedded data directory made by another PostgreSQL major (a newer hub\'s PGlite)', { timeout: 180_000 }, () => {
  it('is refused with one line naming HUB_DATA_DIR and the version it was made with', async () => {
    const made = await runHubCommand(['migrate'], { HUB_DATA_DIR: dataDir });
    expect(made.code, made.stderr).toBe(0);
    // The major this hub's PGlite writes is the one it checks for.
    expect(readFileSync(join(dataDir, 'pglite', 'PG_VERSION'), 'utf8').trim()).toBe(EMBEDDED_POSTGRES_MAJOR);
    // What a newer PGlite leaves: the cluster's major version file says 19.
    writeFileSync(join(dataDir, 'pglite', 'PG_VERSION'), '19\n');

    const result = await runHubCommand(['migrate'], { HUB_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`HUB_DATA_DIR ${dataDir}`);
    expect(lines[0]).toMatch(/19/);
  });
});
