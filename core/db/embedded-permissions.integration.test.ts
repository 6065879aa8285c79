import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDatabase } from './database.connect.ts';

// The embedded database's files hold password hashes, token hashes and every stored record (its
// WAL too), and PGlite writes them readable by everyone. The directories around them are the
// owner's only, so no other local user reads or changes them.

const modeOf = (path: string) => statSync(path).mode & 0o777;
let parent = '';

afterEach(() => {
  if (parent) rmSync(parent, { recursive: true, force: true });
});

describe('the embedded database directory', () => {
  it('is created readable by its owner only, with the data directory around it', async () => {
    parent = mkdtempSync(join(tmpdir(), 'hub-embedded-mode-'));
    const dataDir = join(parent, 'data');
    const database = await connectDatabase({ dataDir });
    await database.close();

    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'pglite'))).toBe(0o700);
  });

  it('is made owner-only again when an earlier version left it open to everyone', async () => {
    parent = mkdtempSync(join(tmpdir(), 'hub-embedded-mode-'));
    const dataDir = join(parent, 'data');
    mkdirSync(join(dataDir, 'pglite'), { recursive: true, mode: 0o755 });
    chmodSync(join(dataDir, 'pglite'), 0o755);
    const database = await connectDatabase({ dataDir });
    await database.close();

    expect(modeOf(join(dataDir, 'pglite'))).toBe(0o700);
    // A data directory the admin made (it may be a mount point shared with other files) is theirs to set.
    expect(modeOf(dataDir)).toBe(0o755);
  });
});
