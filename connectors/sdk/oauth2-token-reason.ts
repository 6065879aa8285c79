import { commonErrorReason, upstreamReason, type ErrorReasonReader } from './upstream-reason.ts';

// What a token endpoint said when it refused ("Invalid client secret", "Account locked"): RFC 6749
// §5.2's error_description, read like any upstream's reason (upstream-reason.ts), so it is one
// short line and rid of credentials. Token endpoints echo the form back, client secret, password
// and refresh token included, so those are always among the secrets removed.

/** Where the RFC 6749 error code is already in the message, only the description is added to it. */
const descriptionOnly: ErrorReasonReader = ({ json }) => {
  if (typeof json !== 'object' || json === null) return undefined;
  const description = (json as { error_description?: unknown }).error_description;
  return typeof description === 'string' ? description : undefined;
};

export interface TokenErrorBody {
  /** Wreck's `data.payload`: the parsed JSON, or the raw bytes when they did not parse. */
  payload: unknown;
  contentType: string | undefined;
  /** Whether the message already names the RFC 6749 error code. */
  codeShown: boolean;
  secrets: readonly string[];
}

/** The token endpoint's reason, on one line without credentials, or undefined when it gave none. */
export function tokenEndpointReason({ payload, contentType, codeShown, secrets }: TokenErrorBody): string | undefined {
  const body = bodyBytes(payload);
  if (body === undefined) return undefined;
  // Parsed JSON is serialised again, so it is read as JSON whatever the header said.
  const type = Buffer.isBuffer(payload) || typeof payload === 'string' ? contentType : 'application/json';
  return upstreamReason({ body, contentType: type, read: codeShown ? descriptionOnly : commonErrorReason, secrets });
}

function bodyBytes(payload: unknown): Buffer | undefined {
  if (Buffer.isBuffer(payload)) return payload;
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (typeof payload !== 'object' || payload === null) return undefined;
  return Buffer.from(JSON.stringify(payload), 'utf8');
}
