import type { EnvironmentVariables } from '../config/config.schema.ts';
import { hubVersion } from './version.ts';

/**
 * What the "hub started" line tells an operator: which database and which queue this process
 * joined. Processes given different databases or queue prefixes never see each other's work and
 * nothing else says so. Servers are named as host:port only: never a user, password or query.
 */
export interface StartupSummary {
  role: EnvironmentVariables['HUB_ROLE'];
  mode: 'embedded' | 'production';
  version: string;
  database: string;
  databaseServer?: string;
  databaseName?: string;
  dataDir?: string;
  queue: string;
  redisServer?: string;
  queuePrefix?: string;
  port?: number;
}

export function startupSummary(config: EnvironmentVariables, kinds: { database: string; queue: string; port: number | undefined }): StartupSummary {
  const database = config.DATABASE_URL ? postgresTarget(config.DATABASE_URL) : undefined;
  const redisServer = config.REDIS_URL ? redisTarget(config.REDIS_URL) : undefined;
  return {
    role: config.HUB_ROLE,
    mode: config.DATABASE_URL ? 'production' : 'embedded',
    version: hubVersion,
    database: kinds.database,
    ...(database ?? { dataDir: config.HUB_DATA_DIR }),
    queue: kinds.queue,
    ...(redisServer === undefined ? {} : { redisServer, queuePrefix: config.HUB_QUEUE_PREFIX }),
    ...(kinds.port === undefined ? {} : { port: kinds.port }),
  };
}

/** host:port and the database name; libpq's `?host=` (a Unix socket directory) wins over the URL's host. */
function postgresTarget(url: string): { databaseServer: string; databaseName?: string } | undefined {
  const parsed = parseUrl(url);
  if (!parsed) return undefined;
  const host = parsed.searchParams.get('host') || parsed.hostname || 'localhost';
  const port = parsed.searchParams.get('port') || parsed.port || '5432';
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return { databaseServer: `${host}:${port}`, ...(name ? { databaseName: name } : {}) };
}

/** host:port, and the database number when it is not 0. */
function redisTarget(url: string): string | undefined {
  const parsed = parseUrl(url);
  if (!parsed) return undefined;
  const db = parsed.pathname.replace(/^\//, '');
  return `${parsed.hostname || 'localhost'}:${parsed.port || '6379'}${db && db !== '0' ? `/${db}` : ''}`;
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
