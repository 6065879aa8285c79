import { EnvironmentVariables } from './config.schema.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment. Throws ConfigError whose message is one line per bad variable,
 * naming it and what is expected, and never echoing the value (it may be a secret).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): EnvironmentVariables {
  // An empty (or blank) variable means unset, as it does in most shells' `VAR= command`: a number
  // read from " " would otherwise be 0.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const result = EnvironmentVariables.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `invalid ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(lines.join('\n'));
  }
  const config = result.data;
  if (config.NODE_ENV === 'production' && !config.HUB_MASTER_KEYS) {
    throw new ConfigError('missing HUB_MASTER_KEYS: required when NODE_ENV=production (generate one with `hub keys generate`)');
  }
  if (config.HUB_ROLE !== 'all' && (!config.DATABASE_URL || !config.REDIS_URL)) {
    // Embedded PGlite and the in-process queue live inside one process: a separate api or worker
    // process could not share them.
    throw new ConfigError(`invalid HUB_ROLE: ${config.HUB_ROLE} needs DATABASE_URL and REDIS_URL; embedded mode runs as all`);
  }
  return config;
}
