/**
 * Iterates `source` one item ahead: while the consumer works on an item (a page being committed),
 * the next one is already being fetched (the next upstream request). At most two items are held.
 * When the consumer stops early, the source is closed without waiting for a fetch in flight.
 */
export async function* prefetched<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  let next = iterator.next();
  try {
    while (true) {
      const result = await next;
      if (result.done) {
        finished = true;
        return;
      }
      next = iterator.next();
      // Its failure is taken up at the next turn; until then it must not count as unhandled.
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    if (!finished) iterator.return?.()?.catch(() => undefined);
  }
}
