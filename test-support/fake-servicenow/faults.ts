// Scripted misbehaviour, consumed in order by the requests it applies to.

export interface FailureSpec {
  status: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Replaces the default ServiceNow error body; a string is sent as is. */
  body?: unknown;
  /** Extra response headers (a status 200 with a body and a Link header scripts an odd page). */
  headers?: Record<string, string>;
  /** Only requests whose path starts with this consume the fault (default: any path). */
  path?: string;
  /** Only requests with this method consume the fault (default: any method). */
  method?: string;
}

/** Which requests a fault applies to: a path prefix and a method (default: any). */
export interface FaultTarget {
  path?: string;
  method?: string;
}

export type Fault = { kind: 'fail'; spec: FailureSpec } | { kind: 'hang'; path?: string } | ({ kind: 'lose' } & FaultTarget);

export class FaultQueue {
  readonly #faults: Fault[] = [];

  failNext(count: number, spec: FailureSpec): void {
    for (let i = 0; i < count; i++) this.#faults.push({ kind: 'fail', spec });
  }

  hang(count: number, path?: string): void {
    for (let i = 0; i < count; i++) this.#faults.push(path === undefined ? { kind: 'hang' } : { kind: 'hang', path });
  }

  loseAnswer(count: number, target: FaultTarget): void {
    for (let i = 0; i < count; i++) this.#faults.push({ kind: 'lose', ...target });
  }

  /** Removes and returns the first fault that applies to this request. */
  take(method: string, path: string): Fault | undefined {
    const index = this.#faults.findIndex((fault) => {
      const prefix = fault.kind === 'fail' ? fault.spec.path : fault.path;
      const onlyMethod = fault.kind === 'fail' ? fault.spec.method : fault.kind === 'lose' ? fault.method : undefined;
      return (prefix === undefined || path.startsWith(prefix)) && (onlyMethod === undefined || onlyMethod.toUpperCase() === method);
    });
    return index === -1 ? undefined : this.#faults.splice(index, 1)[0];
  }

  get pending(): number {
    return this.#faults.length;
  }
}

const DEFAULT_MESSAGES: Record<number, [string, string | null]> = {
  401: ['User Not Authenticated', 'Required to provide Auth information'],
  403: ['Operation Failed', 'ACL Exception Insert Failed due to security constraints'],
  404: ['No Record found', "Record doesn't exist or ACL restricts the record retrieval"],
  429: ['Rate limit exceeded', 'The rate limit for this API has been exceeded'],
  500: ['Internal server error', null],
  503: ['Service Unavailable', null],
};

export function defaultFailureBody(status: number): unknown {
  const [message, detail] = DEFAULT_MESSAGES[status] ?? ['Request failed', null];
  return { error: { message, detail }, status: 'failure' };
}
