// What each token of a tenant's list made, at any depth: for pages that show the whole list at once
// (the admin UI), without a query per token.

export interface TokenLink {
  id: string;
  created_by_token_id: string | null;
  revoked_at: Date | null;
  expires_at: Date | null;
}

export function tokenWorks(token: Pick<TokenLink, 'revoked_at' | 'expires_at'>, now: Date): boolean {
  return !token.revoked_at && !(token.expires_at && token.expires_at <= now);
}

/**
 * For each token, how many tokens made from it (through tokens already revoked too) still work.
 * Tokens made from a token not in `tokens` are not counted for it.
 */
export function activeDescendantCounts(tokens: readonly TokenLink[], now: Date): Map<string, number> {
  const children = new Map<string, TokenLink[]>();
  for (const token of tokens) {
    if (token.created_by_token_id === null) continue;
    const siblings = children.get(token.created_by_token_id) ?? [];
    siblings.push(token);
    children.set(token.created_by_token_id, siblings);
  }
  const counts = new Map<string, number>();
  const counting = new Set<string>();
  const countOf = (id: string): number => {
    const known = counts.get(id);
    if (known !== undefined) return known;
    // A line edited by hand into a loop counts each token once.
    if (counting.has(id)) return 0;
    counting.add(id);
    let count = 0;
    for (const child of children.get(id) ?? []) count += (tokenWorks(child, now) ? 1 : 0) + countOf(child.id);
    counts.set(id, count);
    return count;
  };
  for (const token of tokens) countOf(token.id);
  return counts;
}
