import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('logger', () => {
  it('redacts authorization headers and secret fields at any depth', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info', destination: stream });
    logger.info(
      {
        req: { headers: { authorization: 'Bearer hub_canary', 'x-api-key': 'key_canary' } },
        credentials: { password: 'pw_canary' },
        integration: { config: { clientSecret: 'cs_canary' } },
        token: 'tok_canary',
      },
      'request',
    );
    const text = lines.join('');
    for (const canary of ['hub_canary', 'key_canary', 'pw_canary', 'cs_canary', 'tok_canary']) {
      expect(text).not.toContain(canary);
    }
    expect(text).toContain('[redacted]');
  });

  it('logs the name of the command an error carries, never its arguments (an ioredis login holds the password)', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info', destination: stream });
    const refused = Object.assign(new Error('WRONGPASS invalid username-password pair'), { command: { name: 'hello', args: ['3', 'AUTH', 'default', 'pw_canary'] } });
    logger.error({ err: refused }, 'redis connection error');
    const line = JSON.parse(lines.join(''));
    expect(line.err).toMatchObject({ message: 'WRONGPASS invalid username-password pair', command: { name: 'hello' } });
    expect(JSON.stringify(line)).not.toContain('pw_canary');
  });

  it.each([
    ['a Slack bot token', { integration: { credentials2: { botToken: 'xoxb-canary' } } }],
    ['a webhook secret', { integration: { webhookSecret: 'whsec_canary' } }],
    ['an api_key auth', { auth: { type: 'api_key', key: 'key_canary' } }],
    ['an apiToken', { apiToken: 'api_canary' }],
    ['an Authorization header as HTTP clients spell it', { request: { headers: { Authorization: 'Bearer hdr_canary' } } }],
    ['a Set-Cookie header', { response: { headers: { 'set-cookie': 'session=cookie_canary' } } }],
  ])('redacts %s', (_name, object) => {
    const { lines, stream } = capture();
    createLogger({ level: 'info', destination: stream }).info(object, 'x');
    expect(lines.join('')).not.toContain('canary');
  });
});
