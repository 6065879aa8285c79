import { ConnectorError } from '../sdk/failure.ts';
import type { ServiceNowRecord } from './mappers.ts';

// A work note the instance answered 200 for is not always on the record: a field write ACL on
// work_notes, or a table without that journal field, leaves the field out of the update and the
// PATCH still succeeds (ASSUMPTION, not in the fact sheet). The answer carries no journal entry
// (journal fields are not record fields), but it carries sys_mod_count, which every update moves
// (ASSUMPTION: a journal entry is an update of its record). Read before the PATCH, a count that has
// not moved proves the note was not written. A count that moved proves less, as someone else may
// have updated the record at the same moment; that race is the one gap left.

/** sys_mod_count as a number; undefined when the field is missing (a read ACL) or not a count. */
export function modCountOf(record: ServiceNowRecord): number | undefined {
  const value = record['sys_mod_count'];
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : undefined;
}

function describe(table: string, record: ServiceNowRecord): string {
  return `${table} ${typeof record['number'] === 'string' && record['number'] !== '' ? record['number'] : record.sys_id}`;
}

/** Fails before anything is written when the count the check relies on cannot be read. */
export function requireModCount(table: string, record: ServiceNowRecord): number {
  const count = modCountOf(record);
  if (count !== undefined) return count;
  throw new ConnectorError(
    'permission_denied',
    `${describe(table, record)}: the integration user cannot read ${table}.sys_mod_count, by which the hub checks that a work note was written; ` +
      'no note was sent. Let it read that field',
  );
}

/**
 * Throws unless the PATCH's answer shows the record was updated. Both failures are for good: the
 * note either is not there, and sending it again meets the same refusal, or may be there, and
 * sending it again would add a second.
 */
export function assertNoteWritten(table: string, countBefore: number, after: ServiceNowRecord): void {
  const countAfter = modCountOf(after);
  if (countAfter !== undefined && countAfter > countBefore) return;
  if (countAfter === undefined) {
    throw new ConnectorError(
      'permission_denied',
      `${describe(table, after)}: the instance answered the work note without ${table}.sys_mod_count, so whether it wrote the note cannot be told; ` +
        'it is not sent again. Look at the record, replay the event if the note is missing, and let the integration user read that field',
    );
  }
  throw new ConnectorError(
    'permission_denied',
    `${describe(table, after)}: the instance answered 200 but did not write the work note (sys_mod_count did not move from ${countBefore}). ` +
      `Let the integration user write ${table}.work_notes (a field write ACL), or check that ${table} has a work_notes journal field; ` +
      'then replay the event',
  );
}
