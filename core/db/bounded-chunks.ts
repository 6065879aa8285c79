/** What one item adds to a chunk: rows (or parameters) and characters. */
export interface ItemSize {
  count: number;
  chars: number;
}

/**
 * Splits items, in order, into chunks of at most `limits.count` and `limits.chars`, so one statement
 * stays within PostgreSQL's parameter limit and a few megabytes. An item larger than a limit on its
 * own gets a chunk of its own rather than being refused.
 */
export function boundedChunks<T>(items: readonly T[], sizeOf: (item: T) => ItemSize, limits: ItemSize): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let count = 0;
  let chars = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (count + size.count > limits.count || chars + size.chars > limits.chars)) {
      chunks.push(current);
      current = [];
      count = 0;
      chars = 0;
    }
    current.push(item);
    count += size.count;
    chars += size.chars;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
