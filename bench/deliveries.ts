import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

// Signed ServiceNow Business Rule deliveries (connectors/servicenow/webhook.ts) for the load
// generators, each with its own webhook-id so the hub stores every one.

export interface Delivery {
  headers: Record<string, string>;
  body: string;
  signedAt: number;
}

export interface Deliveries {
  next(): Delivery;
  /** Deliveries signed after the pool ran out (or went stale), i.e. inside the timed window. */
  signedDuringRun(): number;
}

// Signatures carry a timestamp the hub accepts for 5 minutes; re-sign anything older than this.
const FRESH_MS = 4 * 60 * 1000;

/**
 * Signs `poolSize` deliveries up front, keeping HMAC work out of the timed window. A pool that runs
 * out (the server was faster than the estimate) carries on signing fresh ones, so ids stay unique;
 * `cycle` reuses the pool instead, for a server that ignores ids.
 */
export function createDeliveries(secret: string, poolSize: number, cycle: boolean): Deliveries {
  const webhook = new Webhook(secret);
  const runTag = randomBytes(4).toString('hex');
  let sequence = 0;
  let extra = 0;

  function sign(): Delivery {
    const n = sequence++;
    const id = `msg_${runTag}_${n}`;
    const now = new Date();
    const body = JSON.stringify({
      table: 'incident',
      action: 'update',
      record: {
        sys_id: randomBytes(16).toString('hex'),
        number: `INC${String(1_000_000 + (n % 9_000_000)).padStart(7, '0')}`,
        short_description: 'Access review overdue for finance application',
        state: '2',
        priority: '3',
        sys_updated_on: '2024-05-01 10:02:11',
        sys_mod_count: '1',
      },
    });
    const headers = {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': webhook.sign(id, now, body),
    };
    return { headers, body, signedAt: now.getTime() };
  }

  const pool: Delivery[] = Array.from({ length: poolSize }, sign);
  let index = 0;
  return {
    next() {
      let delivery = pool[index];
      if (cycle && index + 1 >= pool.length) index = 0;
      else index += 1;
      if (!delivery || Date.now() - delivery.signedAt > FRESH_MS) {
        delivery = sign();
        extra += 1;
      }
      return delivery;
    },
    signedDuringRun: () => extra,
  };
}

/** The hub answers 202 with the ids of the events it committed; the bare server answers nothing. */
export function eventIdsOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { eventIds?: unknown };
    return Array.isArray(parsed.eventIds) ? parsed.eventIds.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}
