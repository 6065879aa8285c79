import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FakeRecord } from '../test-support/fake-servicenow/index.ts';

export interface FakeUpstream {
  url: string;
  /** What the instance serves, for the baseline to insert the very same rows. */
  records: FakeRecord[];
  requestCount(): Promise<number>;
  close(): Promise<void>;
}

/** Starts fake-upstream.child.ts with `count` incidents and waits until it serves them. */
export async function startFakeUpstream(count: number): Promise<FakeUpstream> {
  const child = fork(fileURLToPath(new URL('./fake-upstream.child.ts', import.meta.url)), [String(count)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ url: string; records: FakeRecord[] }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { url: string; records: FakeRecord[] }));
    child.once('exit', (code) => reject(new Error(`the fake ServiceNow process exited with code ${code}`)));
  });
  return {
    ...ready,
    requestCount: () =>
      new Promise<number>((resolve) => {
        child.once('message', (message) => resolve((message as { requests: number }).requests));
        child.send('requests');
      }),
    async close() {
      if (child.exitCode === null) child.send('close');
      await exited;
    },
  };
}
