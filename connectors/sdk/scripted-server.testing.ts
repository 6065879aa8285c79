import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

// Test-only: a real local HTTP server on port 0 answering from a script, recording what it got.

export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  body?: string | object;
  /** Never answer (timeouts). */
  hang?: boolean;
  /** Answer after this long (concurrency tests). */
  delayMs?: number;
}

export type Script = (request: RecordedRequest, index: number) => Reply;

/** Replies in order, repeating the last one. */
export function sequence(...replies: Reply[]): Script {
  return (_request, index) => replies[Math.min(index, replies.length - 1)] ?? { status: 500 };
}

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startServer(script: Script): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const reply = script(recorded, requests.length);
      requests.push(recorded);
      if (reply.hang === true) return;
      const answer = (): void => {
        const isJson = typeof reply.body === 'object';
        const body = isJson ? JSON.stringify(reply.body) : (reply.body ?? '');
        res.writeHead(reply.status, { ...(isJson ? { 'content-type': 'application/json' } : {}), ...reply.headers });
        res.end(body);
      };
      if (reply.delayMs === undefined) answer();
      else setTimeout(answer, reply.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface LogEntry {
  level: string;
  details: Record<string, unknown>;
  message: string;
}

/** A ConnectorLogger keeping every entry, so tests can check nothing secret was logged. */
export function recordingLogger(): { entries: LogEntry[]; debug: Log; info: Log; warn: Log; error: Log } {
  const entries: LogEntry[] = [];
  const at =
    (level: string): Log =>
    (details, message) => {
      entries.push({ level, details, message });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

type Log = (details: Record<string, unknown>, message: string) => void;

/** `startServer` for a test file: each server it starts is closed after the test that started it. */
export function serversClosedAfterEach(): (script: Script) => Promise<ScriptedServer> {
  let servers: ScriptedServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
  });
  return async (script) => {
    const server = await startServer(script);
    servers.push(server);
    return server;
  };
}
