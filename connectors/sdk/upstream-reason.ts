import { withoutCredentials } from './scrub-credentials.ts';
import { truncateText } from './storable-text.ts';

// What an upstream said when it refused a request ("Data Policy Exception: …", "Invalid query"),
// for the failure message an operator reads on the run, the task and the alert. Only a prefix of
// the body is read, it becomes one short line, and credentials the upstream echoed are removed.

/** Error bodies worth reading are a few hundred bytes; past this, the rest is not looked at. */
export const ERROR_BODY_PREFIX_BYTES = 16 * 1024;
/** Room for the upstream's words in a message stored with at most 500 characters. */
export const MAX_REASON_CHARS = 300;

export interface UpstreamErrorBody {
  /** Lower-cased, without parameters; empty when the upstream sent none. */
  contentType: string;
  /** The body's prefix as text. */
  text: string;
  /** The prefix parsed as JSON; undefined when it is not JSON (or was cut). */
  json: unknown;
}

/** A connector's reading of its upstream's error body: a short reason, or undefined for none. */
export type ErrorReasonReader = (body: UpstreamErrorBody) => string | undefined;

/**
 * The error shapes most APIs share: `{"error":{"message","detail"}}` (ServiceNow and many more),
 * RFC 6749's `{"error","error_description"}`, a top-level `message`, and lists of messages
 * (`errorMessages` with field `errors`, or `errors: [{message}]`). Plain text stands as it is; an
 * HTML page (a proxy's or a login page) says nothing an operator can use.
 */
export const commonErrorReason: ErrorReasonReader = ({ contentType, text, json }) => {
  if (json === undefined) return isHtml(contentType, text) || looksLikeJson(contentType, text) ? undefined : text;
  if (!isObject(json)) return undefined;
  const { error } = json;
  if (isObject(error)) return joined(': ', [error['message'], error['detail']]);
  if (typeof error === 'string') return joined(': ', [error, json['error_description']]);
  if (typeof json['message'] === 'string') return json['message'];
  return joined('; ', [...messages(json['errorMessages']), ...fieldMessages(json['errors']), ...messages(json['errors'])]);
};

export interface ReasonSource {
  body: Buffer;
  /** The Content-Type header as sent. */
  contentType: string | undefined;
  read: ErrorReasonReader;
  /** Credentials to remove besides what looks like one (see scrub-credentials.ts). */
  secrets: readonly string[];
}

/** The upstream's reason, on one line of at most MAX_REASON_CHARS, or undefined when it gave none. */
export function upstreamReason(source: ReasonSource): string | undefined {
  const text = source.body.subarray(0, ERROR_BODY_PREFIX_BYTES).toString('utf8');
  if (text.trim() === '') return undefined;
  const contentType = (source.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  let reason: string | undefined;
  try {
    reason = source.read({ contentType, text, json: parsedJson(text) });
  } catch {
    // A body of an unexpected shape must not hide the status the failure is about.
    return undefined;
  }
  if (typeof reason !== 'string') return undefined;
  // Scrubbed whole, then cut. Cutting first could split a credential so no pattern sees it (a
  // quoted value cut before its closing quote, a known secret cut in two), and redactions shorten
  // the text, so what stood past a cut may end up among the characters shown. Scrubbing is one
  // pass over the text (scrub-credentials.ts), and the reason is drawn from the prefix read.
  const line = oneLine(withoutCredentials(reason, source.secrets));
  return line === '' ? undefined : cut(line);
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Control characters (line breaks, tabs, NUL) and runs of spaces become one space. */
function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, ' ').trim();
}

function cut(text: string): string {
  if (text.length <= MAX_REASON_CHARS) return text;
  return `${truncateText(text, MAX_REASON_CHARS - 1)}…`;
}

function isHtml(contentType: string, text: string): boolean {
  return contentType.includes('html') || text.trimStart().startsWith('<');
}

/** JSON that did not parse (cut at the prefix, or broken): its raw text is no reason. */
function looksLikeJson(contentType: string, text: string): boolean {
  return contentType.includes('json') || /^\s*[[{]/.test(text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function joined(separator: string, parts: unknown[]): string | undefined {
  const texts = parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '');
  return texts.length === 0 ? undefined : texts.join(separator);
}

function messages(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) => (typeof item === 'string' ? item : isObject(item) ? item['message'] : undefined)).filter((item): item is string => typeof item === 'string');
}

function fieldMessages(value: unknown): string[] {
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([field, message]) => (typeof message === 'string' ? [`${field}: ${message}`] : []));
}
