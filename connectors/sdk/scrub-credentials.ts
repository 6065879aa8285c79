// Credentials out of text an upstream wrote. Error bodies echo what they were sent (the
// Authorization header, a form with the client secret) and the text ends up in run rows, tasks,
// Slack alerts and logs, where field-name redaction cannot see inside a message. Known values go
// first, in the encodings an echo may use; patterns then catch what the hub was never told about.

const REDACTED = '[redacted]';

// Text from an upstream may be built to make a pattern retry, and scrubbing holds up every request
// and job of the process. A pattern free to start at each dash of "a-a-a-…" and to scan to the
// end of the run each time took a second on 16 KB ("password-password-…": minutes). So the
// patterns that read runs of word characters and dashes start only where such a run starts and
// try it once: scrubbing is one pass over the text, however the text is made.
// Where a run starts: not after a word character or a dash.
const RUN_START = String.raw`(?<![\w-])`;

// Field names that hold credentials, in JSON ("password":"x"), forms (password=x) or prose
// (api_key: x). `key` alone is too common a word, but `api_key`, `apikey` and `x-api-key` are not.
// A name is the whole run it stands in ("client_secret", "X-Api-Key"); the lookahead checks for a
// credential word once, so a run without one is given up at once rather than retried at every
// dash (and a field that is not a credential never swallows one in its value: url=…?password=x).
const CREDENTIAL_WORD = String.raw`password|passwd|secret|token|api[_-]?key|apikey|authorization|cookie|signature|session[_-]?id`;
const CREDENTIAL_NAME = String.raw`${RUN_START}(?=[\w-]*?(?:${CREDENTIAL_WORD}))[\w-]+`;
const CREDENTIAL_FIELD = new RegExp(String.raw`(${CREDENTIAL_NAME}"?)(\s*[:=]\s*)((?:Basic|Bearer)\s+)?("[^"]*"|'[^']*'|[^\s"'&,;}]+)`, 'gi');
// An HTTP authorization scheme and what follows it (RFC 6750's token characters). It starts only at
// a scheme's name, and the value, last in the pattern, is read once.
const AUTHORIZATION_SCHEME = /\b(Basic|Bearer|Token)\s+([A-Za-z0-9._~+/=-]+)/g;
// A JSON Web Token: base64url header and payload, both JSON objects ("eyJ" is `{"`). It starts at
// a run's start or after a dash in it (group 1, kept): the lookahead finds the first such "eyJ"
// once, and matching its group again makes that choice final, so no other dash of the run is tried.
const JSON_WEB_TOKEN = new RegExp(String.raw`${RUN_START}(?=((?:[\w-]*?-)??)eyJ)\1eyJ[\w-]+\.eyJ[\w-]*\.[\w-]*`, 'g');
// Query parameters whose values are credentials rather than search terms.
const CREDENTIAL_PARAMETER = /key|token|secret|password|passwd|sig|auth|code|session/i;
// Headers that carry credentials, whatever the authentication kind.
const CREDENTIAL_HEADER = /authorization|cookie|api[_-]?key|token|secret|signature/i;

/** `text` with every one of `secrets` and everything that looks like a credential replaced by [redacted]. */
export function withoutCredentials(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  // Longest first, so a secret holding another is removed whole.
  for (const secret of [...new Set(secrets.flatMap(encodings))].sort((a, b) => b.length - a.length)) {
    scrubbed = scrubbed.split(secret).join(REDACTED);
  }
  return scrubbed
    .replace(AUTHORIZATION_SCHEME, (match, scheme: string, value: string) => (looksLikeCredential(value) ? `${scheme} ${REDACTED}` : match))
    .replace(JSON_WEB_TOKEN, (_match, beforeToken: string) => `${beforeToken}${REDACTED}`)
    .replace(CREDENTIAL_FIELD, (match, name: string, separator: string, scheme: string | undefined, value: string) => {
      if (value === REDACTED || !isAssignment(separator, value, scheme)) return match;
      return `${name}${separator}${scheme ?? ''}${REDACTED}`;
    });
}

/**
 * `password=x`, `"token":"x"` and `secret:x` assign a value whatever it is; after "name: " in prose
 * ("invalid_token: The access token expired") only a value that looks like a credential is one.
 */
function isAssignment(separator: string, value: string, scheme: string | undefined): boolean {
  if (separator.includes('=') || value.startsWith('"') || value.startsWith("'") || scheme !== undefined) return true;
  return !/\s/.test(separator) || looksLikeCredential(value);
}

/** Long, or with a digit, an inner capital, base64 punctuation or inner dots and dashes: not a word of a sentence. */
function looksLikeCredential(value: string): boolean {
  return value.length >= 16 || (value.length >= 6 && /\d|.[A-Z]|[+/=_]|.[.-]./.test(value));
}

export interface SentRequest {
  headers: Readonly<Record<string, string>>;
  url: URL;
  json?: unknown;
  body?: string | Buffer | undefined;
}

/** Values of a body shorter than this stay readable when echoed: states, flags, numbers, not secrets. */
const MIN_SENT_VALUE_CHARS = 8;

/**
 * What of a request may be a secret when echoed back: credential headers (decoded as well),
 * credential-named query parameters, and the longer text values of its body (a form or JSON may
 * carry a secret under any name, and an echo of what was sent tells an operator nothing new).
 */
export function requestSecrets(request: SentRequest): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (!CREDENTIAL_HEADER.test(name) || value === '') continue;
    secrets.push(value, ...schemeCredentials(value));
  }
  for (const [name, value] of request.url.searchParams) if (CREDENTIAL_PARAMETER.test(name) && value !== '') secrets.push(value);
  const sent = [...textLeaves(request.json), ...(typeof request.body === 'string' ? [request.body, ...new URLSearchParams(request.body).values()] : [])];
  secrets.push(...sent.filter((value) => value.length >= MIN_SENT_VALUE_CHARS));
  return secrets;
}

function textLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(textLeaves);
}

/** "Bearer t" → t; "Basic b64" → b64, user:password and password. */
function schemeCredentials(value: string): string[] {
  const [scheme = '', credentials = ''] = value.split(/\s+/, 2);
  if (credentials === '') return [];
  if (scheme.toLowerCase() !== 'basic') return [credentials];
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? [credentials, decoded] : [credentials, decoded, decoded.slice(colon + 1)].filter((part) => part !== '');
}

/** A secret as an echo may spell it: as is, URL-encoded (query or form), JSON-escaped. */
function encodings(secret: string): string[] {
  if (secret === '') return [];
  return [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)];
}
