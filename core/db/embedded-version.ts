import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// PGlite opens only a data directory of its own PostgreSQL major; another one (written by a later
// hub whose PGlite moved to a newer major, or an earlier one) fails deep in its WASM start-up with
// "PGlite failed to initialize properly" and a stack trace naming neither the directory nor why.
// The cluster's PG_VERSION file says which major wrote it, so the hub can say so first.

/** The PostgreSQL major of the PGlite this hub embeds (a test holds it to what PGlite writes). */
export const EMBEDDED_POSTGRES_MAJOR = '18';

/** HUB_DATA_DIR holds an embedded database of another PostgreSQL major. */
export class EmbeddedDatabaseVersionError extends Error {
  override name = 'EmbeddedDatabaseVersionError';
  constructor(dataDir: string, found: string) {
    super(
      `HUB_DATA_DIR ${dataDir} holds an embedded database made with PostgreSQL ${found}, and this hub's embedded database is PostgreSQL ${EMBEDDED_POSTGRES_MAJOR}: use the hub version that made it (or export its data with that version first)`,
    );
  }
}

/** Throws EmbeddedDatabaseVersionError when the cluster in `clusterDir` was written by another major; a new directory passes. */
export function assertEmbeddedVersion(dataDir: string, clusterDir: string): void {
  let found: string;
  try {
    found = readFileSync(join(clusterDir, 'PG_VERSION'), 'utf8').trim();
  } catch {
    return;
  }
  if (found !== EMBEDDED_POSTGRES_MAJOR) throw new EmbeddedDatabaseVersionError(dataDir, found);
}
