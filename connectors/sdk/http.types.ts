export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Absolute, or relative to the connector's base URL. */
  url: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (files, form bodies). */
  body?: string | Buffer;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  /** Retry transient failures (default true for GET/HEAD/PUT/DELETE and for requests with an idempotency key). */
  retry?: boolean;
  /** Apply the integration's authentication (default true). */
  authenticate?: boolean;
  /** Parse the response: json (default), text or buffer. */
  responseType?: 'json' | 'text' | 'buffer';
}

export interface HttpResponse<T = unknown> {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: T;
  url: string;
}

export interface HttpClient {
  /** Resolves for 2xx/3xx; throws ConnectorError with a failure code otherwise. */
  request<T = unknown>(request: HttpRequest): Promise<HttpResponse<T>>;
}
