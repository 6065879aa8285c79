import type { IncomingMessage, ServerResponse } from 'node:http';

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** ServiceNow's error envelope for the REST APIs. */
export function sendError(response: ServerResponse, status: number, message: string, detail: string | null, headers: Record<string, string> = {}): void {
  sendJson(response, status, { error: { message, detail }, status: 'failure' }, headers);
}

export function contentType(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Lets the request be handled as usual but drops the connection instead of answering: the effect
 * took place and the client never learns it (a reset or a timeout after the instance acted).
 */
export function loseAnswer(request: IncomingMessage, response: ServerResponse): void {
  const drop = (): ServerResponse => {
    request.socket.destroy();
    return response;
  };
  response.writeHead = drop as unknown as ServerResponse['writeHead'];
  response.end = drop as unknown as ServerResponse['end'];
}

/**
 * Lets the request be handled as usual but holds its answer back `delayMs`: the effect takes place
 * at once and the client learns of it later (a slow instance), so a test can stop the client while
 * a call is carried out but not yet answered.
 */
export function delayAnswer(response: ServerResponse, delayMs: number): void {
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.end = ((...args: unknown[]) => {
    setTimeout(() => {
      // The caller may be gone by now (killed, timed out): nobody to answer.
      if (!response.destroyed) end(...args);
    }, delayMs);
    return response;
  }) as ServerResponse['end'];
}
