import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Field names that may hold secrets anywhere in a logged object. Redaction is the last line of
// defence: code should not log secrets in the first place.
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'password',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'apiKey',
  'api_key',
  'credentials',
  'signingSecret',
  'masterKeys',
  'botToken',
  'apiToken',
  'webhookSecret',
  // Paths are case-sensitive: HTTP clients spell the header with a capital.
  'Authorization',
];

export const redactedPaths = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  ...SECRET_FIELDS.map((field) => `*.*.${field}`),
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
  '*.headers["set-cookie"]',
  'headers["set-cookie"]',
  // An api_key auth's secret field is plain `key`, too common a name to redact everywhere.
  'auth.key',
  '*.auth.key',
  '*.*.auth.key',
];

/**
 * pino's error serializer, without the command an ioredis error carries: a refused login's is
 * `HELLO 3 AUTH default <password>` (or `AUTH <password>`), and its arguments are positions in an
 * array that no field-name redaction can match. The command's name stays.
 */
export function errWithoutCommandArgs(error: Error): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  const command = serialized['command'];
  if (command === undefined) return serialized;
  const name = typeof command === 'object' && command !== null ? (command as { name?: unknown }).name : undefined;
  return { ...serialized, command: typeof name === 'string' ? { name } : '[redacted]' };
}

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'hub' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      serializers: { err: errWithoutCommandArgs },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
