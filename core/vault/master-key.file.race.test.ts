import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// Two processes generating the master key into one data directory at once (two containers, each
// pid 1, sharing a volume). "Process B" runs inside A's linkSync, right after A linked its
// temporary file into place and before A removed it; B had already found no key file. With the
// temporary file named by pid, B truncated A's key through it and A sealed with a key not on disk.
const hook = vi.hoisted(() => ({ pathToHide: undefined as string | undefined, inB: undefined as undefined | (() => void) }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return {
    ...real,
    existsSync: (p: string) => (p === hook.pathToHide ? false : real.existsSync(p)),
    linkSync: (from: string, to: string) => {
      real.linkSync(from, to);
      const b = hook.inB;
      hook.inB = undefined;
      b?.();
    },
  };
});

const { resolveMasterKeys } = await import('./master-key.file.ts');

describe('master key file created by two processes at once', () => {
  it('keeps the first key whole, and the other process uses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mk-collide-'));
    try {
      const path = join(dir, 'master.keys');
      let b: ReturnType<typeof resolveMasterKeys> | undefined;
      hook.inB = () => {
        hook.pathToHide = path; // B checked before A linked
        try {
          b = resolveMasterKeys(undefined, dir);
        } finally {
          hook.pathToHide = undefined;
        }
      };
      const a = resolveMasterKeys(undefined, dir);
      const onDisk = readFileSync(path, 'utf8').trim();
      const keyOf = (r: typeof a) => Buffer.from(r.keys.current.key).toString('base64');
      // A generated the file and will seal credentials with its key: the file holds it, and B uses it.
      expect(a.generatedAt).toBe(path);
      expect(onDisk).toBe(`1:${keyOf(a)}`);
      expect(b?.generatedAt).toBeUndefined();
      expect(keyOf(b!)).toBe(keyOf(a));
      expect(readdirSync(dir)).toEqual(['master.keys']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
