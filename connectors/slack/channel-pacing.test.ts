import { describe, expect, it } from 'vitest';
import { createChannelPacing } from './channel-pacing.ts';

// One message per second per channel; a channel's slot is forgotten once it has passed, so the
// channels ever posted to do not stay for the life of the process.

/** Pacing on a clock the test moves; a wait is recorded and moves the clock instead of sleeping. */
function pacing(maxChannels = 100) {
  let now = 1_700_000_000_000;
  const waits: number[] = [];
  const paced = createChannelPacing({
    maxChannels,
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  });
  return { paced, waits, advance: (ms: number) => (now += ms) };
}

describe('createChannelPacing', () => {
  it('spaces posts to one channel a second apart, and other channels not at all', async () => {
    const { paced, waits, advance } = pacing();
    await paced.paced('C1');
    await paced.paced('C2');
    advance(300);
    await paced.paced('C1');
    expect(waits).toEqual([700]);
    advance(1_000);
    await paced.paced('C1');
    expect(waits).toEqual([700]);
  });

  it('forgets the channels whose slot has passed', async () => {
    const { paced, advance } = pacing();
    for (let i = 0; i < 50; i++) await paced.paced(`C${i}`);
    expect(paced.held()).toBe(50);
    advance(1_000);

    await paced.paced('C-new');

    expect(paced.held()).toBe(1);
  });

  it('holds no more channels than its bound', async () => {
    const { paced } = pacing(10);
    for (let i = 0; i < 100; i++) await paced.paced(`C${i}`);
    expect(paced.held()).toBe(10);
  });
});
