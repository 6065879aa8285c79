import type { EventOfRecord, PolledRecord } from '../sdk/connector.types.ts';
import { ConnectorError } from '../sdk/failure.ts';

// ServiceNow records as the Table API returns them with display values off: every field a
// string, date-times as 'yyyy-MM-dd HH:mm:ss' in UTC.

export type ServiceNowRecord = Record<string, unknown> & { sys_id: string };

const SERVICENOW_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export function formatServiceNowTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Undefined for anything that is not a real 'yyyy-MM-dd HH:mm:ss' date-time. */
export function parseServiceNowTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !SERVICENOW_TIME.test(value)) return undefined;
  const date = new Date(`${value.replace(' ', 'T')}Z`);
  // Date rolls 2024-02-30 over into March; the round trip rejects such values.
  return !Number.isNaN(date.getTime()) && formatServiceNowTime(date) === value ? date : undefined;
}

/** Narrows one element of `result`, failing loudly on shapes the cursor cannot work with. */
export function asServiceNowRecord(value: unknown, table: string): ServiceNowRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConnectorError('upstream_bad_response', `${table}: result contains a non-object`);
  }
  const record = value as Record<string, unknown>;
  if (typeof record['sys_id'] !== 'string' || record['sys_id'] === '') {
    throw new ConnectorError('upstream_bad_response', `${table}: a record has no sys_id`);
  }
  return record as ServiceNowRecord;
}

/** The `result` array of a Table API list response. */
export function resultRecords(body: unknown, table: string): ServiceNowRecord[] {
  const result = (body as { result?: unknown } | null)?.result;
  if (!Array.isArray(result)) throw new ConnectorError('upstream_bad_response', `${table}: response has no result array`);
  return result.map((item) => asServiceNowRecord(item, table));
}

/** The `result` object of a single-record response (create, update, attach). */
export function resultRecord(body: unknown, what: string): ServiceNowRecord {
  return asServiceNowRecord((body as { result?: unknown } | null)?.result, what);
}

export function updatedOn(record: ServiceNowRecord): string | undefined {
  const value = record['sys_updated_on'];
  return typeof value === 'string' && parseServiceNowTime(value) ? value : undefined;
}

/** sys_updated_on for ordering and the cursor, which cannot work without it. */
export function requiredUpdatedOn(record: ServiceNowRecord): string {
  const at = updatedOn(record);
  if (at === undefined) throw new ConnectorError('upstream_bad_response', `record ${record.sys_id} has no readable sys_updated_on (field ACL?)`);
  return at;
}

/** Identity of one version of a record: a later change in the same second has a higher sys_mod_count. */
export function versionKey(record: ServiceNowRecord): string {
  const modCount = record['sys_mod_count'];
  return `${record.sys_id}@${typeof modCount === 'string' || typeof modCount === 'number' ? String(modCount) : ''}`;
}

/**
 * The version a polled (`<table>.created|updated`) or pushed (`<table>.insert|update`) record is
 * at, the same for both, so the change is acted on once; deletes and other events have none.
 */
export function recordVersion(event: EventOfRecord): string | undefined {
  if (/\.(delete|deleted)$/.test(event.type)) return undefined;
  const payload = event.payload as Partial<ServiceNowRecord> | null;
  if (typeof payload !== 'object' || payload === null || typeof payload.sys_id !== 'string' || payload.sys_id !== event.externalId) return undefined;
  const modCount = payload['sys_mod_count'];
  if (typeof modCount !== 'string' && typeof modCount !== 'number') return undefined;
  return versionKey(payload as ServiceNowRecord);
}

export function toPolledRecord(record: ServiceNowRecord): PolledRecord {
  const updatedAt = parseServiceNowTime(record['sys_updated_on']);
  return { externalId: record.sys_id, payload: record, ...(updatedAt ? { updatedAt } : {}) };
}
