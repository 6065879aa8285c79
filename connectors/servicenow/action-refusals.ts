import { ConnectorError, type FailureCode } from '../sdk/failure.ts';

// What an instance's refusal of an action means for the person who has to fix it. The HTTP client
// names the request and the status only ("PATCH /api/now/table/incident/… answered 404"), since an
// upstream's error body may echo what was sent; the action knows the table, the record and the
// value it was writing, and says what to check.

export interface Explanation {
  /** Replaces the status's code when the status alone would point at the wrong runbook. */
  code?: FailureCode;
  message: string;
}

/** `error` with the explanation its status has in `byStatus`; any other error unchanged. */
export function explained(error: unknown, byStatus: Readonly<Partial<Record<number, Explanation>>>): unknown {
  if (!(error instanceof ConnectorError) || error.status === undefined) return error;
  const explanation = byStatus[error.status];
  if (explanation === undefined) return error;
  return new ConnectorError(explanation.code ?? error.code, `${explanation.message} (${error.message})`, { status: error.status, cause: error });
}

/** Runs `request`, explaining its refusals. */
export async function explainingRefusals<T>(request: () => Promise<T>, byStatus: Readonly<Partial<Record<number, Explanation>>>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw explained(error, byStatus);
  }
}

/**
 * The refusals of a request on one record of the Table API. ASSUMPTION (not in the fact sheet): a
 * table the instance does not have answers 400 ("Invalid table"), a record it does not hold, or
 * one a read ACL hides, 404.
 */
export function recordRefusals(table: string, sysId: string, forbidden: string): Partial<Record<number, Explanation>> {
  return {
    400: { code: 'config_invalid', message: `the instance refused the request on ${table} ${sysId}: check that the table exists (its name, such as incident, not its label)` },
    404: { code: 'config_invalid', message: `${table} ${sysId} does not exist, or the integration user may not read it: check the table and the sys_id` },
    403: { message: forbidden },
  };
}
