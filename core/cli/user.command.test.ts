import { spawn, spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliError } from './cli-error.ts';
import { promptHidden, type PromptInput } from './user.command.ts';

// The hidden password prompt of `hub user create` ends when the operator ends input, as every
// terminal prompt does, instead of waiting for ever.

/** A terminal's input as the prompt sees it: raw mode is recorded, keys are written in. */
function fakeTerminal(): { input: PromptInput; type: (keys: string) => void; close: () => void; rawMode: () => boolean } {
  const stream = new PassThrough();
  let raw = false;
  const input = Object.assign(stream, {
    setRawMode: (mode: boolean) => {
      raw = mode;
      return input;
    },
  }) as unknown as PromptInput;
  return { input, type: (keys) => stream.write(keys), close: () => stream.end(), rawMode: () => raw };
}

beforeEach(() => {
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
});

// A prompt that ignores the key waits for ever: a short timeout fails it fast.
describe('the password prompt', { timeout: 5_000 }, () => {
  it('answers what was typed up to Enter, without what was rubbed out', async () => {
    const terminal = fakeTerminal();
    const answer = promptHidden('Password: ', terminal.input);
    terminal.type('secreX\u007ft pass\r');
    await expect(answer).resolves.toBe('secret pass');
    expect(terminal.rawMode()).toBe(false);
  });

  it('is cancelled by Ctrl-D with nothing typed', async () => {
    const terminal = fakeTerminal();
    const answer = promptHidden('Password: ', terminal.input);
    terminal.type('\u0004');
    await expect(answer).rejects.toThrow(new CliError('cancelled (end of input)'));
    expect(terminal.rawMode()).toBe(false);
  });

  it('ignores Ctrl-D after something was typed, as a terminal does', async () => {
    const terminal = fakeTerminal();
    const answer = promptHidden('Password: ', terminal.input);
    terminal.type('twelve\u0004 chars\n');
    await expect(answer).resolves.toBe('twelve chars');
  });

  it('is cancelled when the input ends', async () => {
    const terminal = fakeTerminal();
    const answer = promptHidden('Password: ', terminal.input);
    terminal.close();
    await expect(answer).rejects.toThrow(new CliError('cancelled (end of input)'));
  });
});

// Through a real pseudo-terminal (python3's pty module), where the terminal in raw mode hands
// Ctrl-D to the process as a byte rather than as the end of input.
const python3 = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

describe('hub user create at a terminal', () => {
  it.skipIf(!python3)('exits 1 with one line when Ctrl-D is pressed at the password prompt', async () => {
    const cli = fileURLToPath(new URL('./hub.ts', import.meta.url));
    const script = `
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b''
def read(seconds):
    global out
    r, _, _ = select.select([fd], [], [], seconds)
    if r:
        try: out += os.read(fd, 4096)
        except OSError: pass
deadline = time.time() + 30
while time.time() < deadline and b'Password:' not in out:
    read(0.5)
os.write(fd, b'\\x04')
deadline = time.time() + 15
while time.time() < deadline:
    read(0.1)
    wpid, status = os.waitpid(pid, os.WNOHANG)
    if wpid:
        read(0.1)
        sys.stdout.write(out.decode(errors='replace') + '\\nexit %d\\n' % os.waitstatus_to_exitcode(status)); sys.exit(0)
os.kill(pid, 9)
sys.stdout.write(out.decode(errors='replace') + '\\nstill waiting\\n')
`;
    // The prompt comes before the database opens: one nobody listens on is enough.
    const child = spawn('python3', ['-c', script, process.execPath, cli, 'user', 'create', '--tenant', 'default', '--email', 'eve@example.com', '--name', 'Eve', '--role', 'admin'], {
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing_here', USER: 'tester' },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    expect(out).toMatch(/\nexit 1\n$/);
    expect(out).toContain('hub: cancelled (end of input)');
    expect(out).not.toMatch(/\n\s+at /);
  });
});
