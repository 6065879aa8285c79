// Every sign-in costs a password hash (19 MiB, 2 passes) on libuv's thread pool, which the hub shares
// with every host-name lookup, file read and crypto call (4 threads by default): a flood of
// sign-ins, even ones that name no account (they hash too, so as not to tell), would stall each
// connector's DNS lookup behind it. So a few run at once, a bounded number wait their turn, and the
// rest are told to come back.

export const SIGN_INS_AT_ONCE = 2;
export const SIGN_INS_WAITING = 64;

let running = 0;
const waiting: Array<() => void> = [];

/** Runs `work` in a sign-in slot, or answers undefined at once when too many already wait. */
export async function inSignInSlot<T>(work: () => Promise<T>): Promise<T | undefined> {
  if (running >= SIGN_INS_AT_ONCE) {
    if (waiting.length >= SIGN_INS_WAITING) return undefined;
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await work();
  } finally {
    // The slot passes straight to the next in line, or is freed.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}
