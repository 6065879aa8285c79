import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env.ts';

/**
 * The request body as bytes. On the Node server a body with a Content-Length (already checked
 * against the size limit by then) is read straight from the socket stream, skipping the web
 * Request/stream layers that cost more than the rest of a delivery's handling; other bodies
 * (chunked, or in-process test requests) go the standard way through the size-limited stream.
 */
export async function readRawBody(c: Context<AppEnv>): Promise<Buffer> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming && c.req.header('content-length') !== undefined && !incoming.readableEnded) {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  return Buffer.from(await c.req.arrayBuffer());
}
