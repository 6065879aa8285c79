/**
 * What to call each integration where lists and choices span integrations. Names are unique within
 * an environment only: a name used in both says which environment it is (`ServiceNow · staging`),
 * so staging and production cannot be mistaken for each other.
 */
export function integrationLabels(rows: ReadonlyArray<{ id: string; name: string; environment: string }>): Map<string, string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const { name } of rows) (seen.has(name) ? shared : seen).add(name);
  return new Map(rows.map((row) => [row.id, shared.has(row.name) ? `${row.name} · ${row.environment}` : row.name]));
}
