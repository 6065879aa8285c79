// Expected HTTP failures as small named classes; the one error handler in error-handler.ts turns
// them into `{ "error": { "code", "message", ... } }`.

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly runbook: string | undefined;
  readonly fields: FieldError[] | undefined;

  constructor(status: number, code: string, message: string, extra: { runbook?: string; fields?: FieldError[] } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.runbook = extra.runbook;
    this.fields = extra.fields;
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
