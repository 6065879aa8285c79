import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { failureResponse, FaultQueue } from './faults.ts';
import { parseParams, readBody, sendJson, sendText } from './http-io.ts';
import { authError, METHODS } from './methods.ts';
import { BOT_ID, BOT_USER_ID, createWorkspace, latestMessage } from './workspace.ts';
import type { EphemeralMessage, FakeSlackFailure, FakeSlackOptions, LoggedSlackRequest, MessageUpdate, PostedMessage, ResponseUrlPost } from './types.ts';

// A Slack Web API small enough to read: a real HTTP server on 127.0.0.1 that WebClient reaches
// through `slackApiUrl`, plus response_url endpoints, with scripted failures and Slack's
// per-channel posting limit, for connector tests, end-to-end tests and benchmarks.

export interface FakeSlack {
  /** For `new WebClient(token, { slackApiUrl: apiUrl })`; ends with `/api/` because WebClient appends the method name. */
  apiUrl: string;
  /** Base URL without trailing slash, e.g. http://127.0.0.1:41234. */
  url: string;
  botToken: string;
  teamId: string;
  /** What auth.test answers as `user_id` / `bot_id`. */
  botUserId: string;
  botId: string;
  messages: PostedMessage[];
  updates: MessageUpdate[];
  ephemerals: EphemeralMessage[];
  requests: LoggedSlackRequest[];
  responses: ResponseUrlPost[];
  /** The next `count` calls of `method` (a Web API method name, or `response_url`) fail this way. */
  failNext(method: string, count: number, failure: FakeSlackFailure): void;
  /** A URL on the fake to use as a slash command's or button's `response_url`; POSTs land in `responses`. */
  responseUrl(id?: string): string;
  /** The message `ts` in `channel` with every chat.update applied. */
  latest(channel: string, ts: string): PostedMessage | undefined;
  close(): Promise<void>;
}

const RESPONSE_PATH = /^\/response\/([^/]+)$/;
// Fact sheet: a response_url is valid 30 minutes and takes up to 5 uses.
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_LIFETIME_MS = 30 * 60 * 1000;

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const workspace = createWorkspace(options);
  const requests: LoggedSlackRequest[] = [];
  const responses: ResponseUrlPost[] = [];
  const faults = new FaultQueue();
  let responseIds = 0;
  /** When each response_url was handed out, for its lifetime; one used unasked-for counts from its first use. */
  const responseUrlIssuedAt = new Map<string, number>();

  async function handleApi(request: IncomingMessage, response: ServerResponse, url: URL, method: string): Promise<void> {
    const raw = await readBody(request);
    const args = parseParams(request, url, raw);
    const entry: LoggedSlackRequest = { method, headers: request.headers, body: args, at: Date.now() };
    requests.push(entry);

    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      entry.status = status;
      if (body !== null && typeof body === 'object' && 'error' in body && typeof body.error === 'string') entry.error = body.error;
      if (typeof body === 'string') sendText(response, status, body, headers);
      else sendJson(response, status, body, headers);
    };

    const failure = faults.take(method);
    if (failure) {
      const scripted = failureResponse(failure);
      return reply(scripted.status, scripted.body, scripted.headers);
    }
    const handler = METHODS.get(method);
    if (!handler) return reply(200, { ok: false, error: 'unknown_method', req_method: method });
    const denied = authError(workspace, request.headers.authorization, args);
    if (denied) return reply(200, { ok: false, error: denied });
    const answer = handler(workspace, args, Date.now());
    if (options.answerDelayMs) {
      await sleep(options.answerDelayMs);
      // The caller may be gone by now (killed, timed out); its socket is closed, nobody to answer.
      if (response.destroyed) return;
    }
    reply(answer.status, answer.body, answer.headers);
  }

  async function handleResponseUrl(request: IncomingMessage, response: ServerResponse, id: string): Promise<void> {
    const raw = await readBody(request);
    const failure = faults.take('response_url');
    if (failure) {
      const scripted = failureResponse(failure);
      return typeof scripted.body === 'string' ? sendText(response, scripted.status, scripted.body, scripted.headers) : sendJson(response, scripted.status, scripted.body, scripted.headers);
    }
    // ASSUMPTION: Slack answers a spent or expired response_url with 404 and an error name; the
    // fact sheet gives only the limits.
    const issuedAt = responseUrlIssuedAt.get(id) ?? Date.now();
    responseUrlIssuedAt.set(id, issuedAt);
    if (Date.now() - issuedAt > RESPONSE_URL_LIFETIME_MS) return sendText(response, 404, 'expired_url');
    if (responses.filter((earlier) => earlier.id === id).length >= RESPONSE_URL_USES) return sendText(response, 404, 'used_url');
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // Kept as text so a test can see what was wrongly sent.
    }
    responses.push({ id, body, at: Date.now() });
    sendText(response, 200, 'ok');
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/')) return handleApi(request, response, url, url.pathname.slice('/api/'.length));
    const responseMatch = RESPONSE_PATH.exec(url.pathname);
    if (responseMatch && request.method === 'POST') return handleResponseUrl(request, response, decodeURIComponent(responseMatch[1] ?? ''));
    sendText(response, 404, 'not found');
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { ok: false, error: 'fatal_error', detail: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    apiUrl: `${base}/api/`,
    url: base,
    botToken: workspace.botToken,
    teamId: workspace.teamId,
    botUserId: BOT_USER_ID,
    botId: BOT_ID,
    messages: workspace.messages,
    updates: workspace.updates,
    ephemerals: workspace.ephemerals,
    requests,
    responses,
    failNext: (method, count, failure) => faults.failNext(method, count, failure),
    responseUrl: (id) => {
      const key = id ?? `r${++responseIds}`;
      if (!responseUrlIssuedAt.has(key)) responseUrlIssuedAt.set(key, Date.now());
      return `${base}/response/${encodeURIComponent(key)}`;
    },
    latest: (channel, ts) => latestMessage(workspace, channel, ts),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // WebClient's fetch keeps sockets alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}
