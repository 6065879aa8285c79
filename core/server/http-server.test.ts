import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/app-env.ts';
import { listen } from './http-server.ts';

describe('HTTP server shutdown', () => {
  it('finishes a request in flight, refuses new connections, then resolves', async () => {
    const app = new Hono<AppEnv>();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived: () => void = () => undefined;
    const handling = new Promise<void>((resolve) => (arrived = resolve));
    app.get('/slow', async (c) => {
      arrived();
      await gate;
      return c.text('done');
    });
    const server = await listen(app, 0, '127.0.0.1');
    const inFlight = fetch(`http://127.0.0.1:${server.port}/slow`);
    // Closed only once the server holds the request: a fixed wait can end before it was even sent.
    await handling;

    const closed = server.close(5_000);
    await expect(fetch(`http://127.0.0.1:${server.port}/slow`)).rejects.toThrow();
    release();
    const response = await inFlight;
    expect(await response.text()).toBe('done');
    await closed;
  });

  it('cuts requests still running when the bound is reached', async () => {
    const app = new Hono<AppEnv>();
    let arrived: () => void = () => undefined;
    const handling = new Promise<void>((resolve) => (arrived = resolve));
    app.get('/stuck', () => {
      arrived();
      return new Promise<Response>(() => undefined);
    });
    const server = await listen(app, 0, '127.0.0.1');
    const stuck = fetch(`http://127.0.0.1:${server.port}/stuck`).catch((error: unknown) => error);
    await handling;
    const started = Date.now();
    await server.close(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await stuck).toBeInstanceOf(Error);
  });
});
