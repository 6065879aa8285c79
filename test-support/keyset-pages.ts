/**
 * Follows a list endpoint's `before` / `beforeId` paging from the first page until one comes back
 * empty (at most 10 pages) and returns every item seen, in order. `first` holds the filters and
 * the limit; each next page repeats it with the position of the last item seen.
 */
export async function walkKeysetPages<Item extends { id: string }>(
  page: (query: string) => Promise<Item[]>,
  first: string,
  timeOf: (item: Item) => string,
): Promise<Item[]> {
  const seen: Item[] = [];
  let next = first;
  for (let pages = 0; pages < 10; pages++) {
    const items = await page(next);
    if (items.length === 0) break;
    seen.push(...items);
    const last = items.at(-1)!;
    next = `${first}&before=${encodeURIComponent(timeOf(last))}&beforeId=${last.id}`;
  }
  return seen;
}
