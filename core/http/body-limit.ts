/** The largest request body the hub reads, for every route; larger ones get 413 payload_too_large. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
