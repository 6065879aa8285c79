// Expected HTTP failures as small named classes; the one error handler in error-handler.ts turns
// them into `{ "error": { "code", "message", ... } }`.

import { truncateText } from '../../connectors/sdk/storable-text.ts';

export interface FieldError {
  path: string;
  message: string;
}

// An answer names what was wrong, it does not quote the request back: a body with 40,000 unknown
// keys would otherwise be answered with megabytes. Beyond these bounds the rest is counted.
const MAX_MESSAGE = 2_000;
const MAX_FIELDS = 20;
const MAX_FIELD_TEXT = 300;

function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${truncateText(text, max)}…`;
}

function boundedFields(fields: FieldError[] | undefined): FieldError[] | undefined {
  return fields?.slice(0, MAX_FIELDS).map((field) => ({ path: bounded(field.path, MAX_FIELD_TEXT), message: bounded(field.message, MAX_FIELD_TEXT) }));
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly runbook: string | undefined;
  /** The first few field errors; `message` says how many there were. */
  readonly fields: FieldError[] | undefined;

  constructor(status: number, code: string, message: string, extra: { runbook?: string; fields?: FieldError[] } = {}) {
    const hidden = (extra.fields?.length ?? 0) - MAX_FIELDS;
    super(hidden > 0 ? `${bounded(message, MAX_MESSAGE)} (and ${hidden} more field errors)` : bounded(message, MAX_MESSAGE));
    this.status = status;
    this.code = code;
    this.runbook = extra.runbook;
    this.fields = boundedFields(extra.fields);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message = 'a valid API token is required: send Authorization: Bearer <token>') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends ApiError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ValidationError extends ApiError {
  constructor(message: string, fields: FieldError[]) {
    super(400, 'validation_failed', message, { fields });
  }
}

export class ConflictError extends ApiError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}
