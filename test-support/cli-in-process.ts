import { vi } from 'vitest';

/** What a CLI command run in process printed, or the error it stopped with. */
export interface CliOutcome {
  stdout: string;
  error?: string;
}

/**
 * Runs a `hub …` command function in this process, capturing what it writes to stdout: the same
 * code as the CLI without a process start per case.
 */
export async function runCliInProcess(command: () => Promise<void>): Promise<CliOutcome> {
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await command();
    return { stdout };
  } catch (error) {
    return { stdout, error: (error as Error).message };
  } finally {
    spy.mockRestore();
  }
}
