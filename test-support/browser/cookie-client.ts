import type { Hono } from 'hono';
import type { AppEnv } from '../../core/http/app-env.ts';

// A tiny browser stand-in for in-process requests to the Hono app: keeps cookies, sends the
// Origin a browser would, and reads the CSRF token from the last page.

export interface PageResponse {
  status: number;
  headers: Headers;
  body: string;
  location: string | null;
}

export class CookieClient {
  readonly cookies = new Map<string, string>();
  readonly #app: Hono<AppEnv>;
  readonly #origin: string;
  readonly #headers: Record<string, string>;
  lastBody = '';

  constructor(app: Hono<AppEnv>, options: { origin?: string; headers?: Record<string, string> } = {}) {
    this.#app = app;
    this.#origin = options.origin ?? 'http://localhost';
    this.#headers = options.headers ?? {};
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<PageResponse> {
    return this.#send('GET', path, undefined, headers);
  }

  /** A form POST; `_csrf` is filled from the last page unless given (null leaves it out). */
  async post(path: string, fields: Record<string, string> = {}, options: { csrf?: string | null; headers?: Record<string, string> } = {}): Promise<PageResponse> {
    const token = options.csrf === undefined ? this.csrfToken() : options.csrf;
    const body = new URLSearchParams({ ...(token === null || token === undefined ? {} : { _csrf: token }), ...fields });
    return this.#send('POST', path, body.toString(), { 'content-type': 'application/x-www-form-urlencoded', origin: this.#origin, ...options.headers });
  }

  csrfToken(): string | undefined {
    return /name="_csrf" value="([^"]+)"/.exec(this.lastBody)?.[1];
  }

  async #send(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<PageResponse> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await this.#app.request(`${this.#origin}${path}`, {
      method,
      headers: { ...this.#headers, ...(cookie ? { cookie } : {}), ...headers },
      ...(body === undefined ? {} : { body }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    if (response.status === 200 || response.status >= 400) this.lastBody = text;
    return { status: response.status, headers: response.headers, body: text, location: response.headers.get('location') };
  }
}
