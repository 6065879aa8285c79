import { createBoundedCache } from '../sdk/bounded-cache.ts';

// About one message per second per channel (Slack's documented pace): posts wait their turn here
// instead of being refused; across processes Slack's own 429 + Retry-After takes over. A channel's
// next slot is forgotten once it has passed (a channel nobody posted to for a second may be posted
// to at once), so only channels posted to within the last moments are held; the bound is for a
// burst to more channels than that, where a channel forgotten early only risks Slack's 429.
const MAX_CHANNELS = 10_000;

export interface ChannelPacingOptions {
  maxChannels: number;
  /** Epoch ms; Date.now unless a test brings its own clock. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface ChannelPacing {
  /** Resolves when a message may go to `channel`, booking its slot. */
  paced(channel: string): Promise<void>;
  /** How many channels' slots are held (for tests). */
  held(): number;
}

export function createChannelPacing(options: ChannelPacingOptions): ChannelPacing {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const nextSlot = createBoundedCache<string, number>({ limit: options.maxChannels, now });
  return {
    async paced(channel) {
      const asked = now();
      const at = Math.max(asked, nextSlot.get(channel) ?? 0);
      const next = at + 1_000;
      nextSlot.set(channel, next, next);
      if (at > asked) await sleep(at - asked);
    },
    held: () => nextSlot.size,
  };
}

const shared = createChannelPacing({ maxChannels: MAX_CHANNELS });

export function paced(channel: string): Promise<void> {
  return shared.paced(channel);
}
