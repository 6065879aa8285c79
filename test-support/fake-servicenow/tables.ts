import { randomBytes } from 'node:crypto';
import type { FakeRecord } from './query.ts';
import { formatServiceNowTime } from './time.ts';

// In-memory tables with ServiceNow's system fields maintained the way the instance does:
// sys_mod_count and sys_updated_on move on every update, journal fields live outside the record.

export interface JournalEntry {
  element: 'work_notes' | 'comments';
  value: string;
  createdOn: string;
  createdBy: string;
}

const NUMBER_PREFIXES: Record<string, string> = {
  incident: 'INC',
  change_request: 'CHG',
  sc_task: 'SCTASK',
  problem: 'PRB',
  problem_task: 'PTASK',
};

const JOURNAL_FIELDS = ['work_notes', 'comments'] as const;

export function newSysId(): string {
  return randomBytes(16).toString('hex');
}

export class FakeTables {
  readonly #tables = new Map<string, Map<string, FakeRecord>>();
  readonly #journals = new Map<string, JournalEntry[]>();
  readonly #counters = new Map<string, number>();
  /** Per table, the fields the API user may not write (a field write ACL, or a field the table does not have). */
  readonly #refusedWrites = new Map<string, Set<string>>();
  readonly #now: () => Date;

  constructor(now: () => Date) {
    this.#now = now;
  }

  /**
   * Writes a record as the instance would hold it: given fields win, system fields are filled in
   * for new records. An existing record is merged without bumping anything, so tests can seed
   * exact states (use `touch` to simulate an update).
   */
  upsert(table: string, fields: Partial<FakeRecord> = {}): FakeRecord {
    const rows = this.#table(table);
    const existing = fields.sys_id === undefined ? undefined : rows.get(fields.sys_id);
    if (existing) {
      Object.assign(existing, definedOnly(fields));
      return { ...existing };
    }
    const now = formatServiceNowTime(this.#now());
    const record: FakeRecord = {
      sys_id: newSysId(),
      ...this.#numberFor(table),
      sys_created_on: now,
      sys_created_by: 'admin',
      sys_updated_on: now,
      sys_updated_by: 'admin',
      sys_mod_count: '0',
      ...definedOnly(fields),
    };
    rows.set(record['sys_id'] ?? '', record);
    return { ...record };
  }

  /** Simulates an update on the instance: merges changes, bumps sys_mod_count and sys_updated_on. */
  touch(table: string, sysId: string, changes: Partial<FakeRecord> = {}, user = 'admin'): FakeRecord {
    const record = this.#table(table).get(sysId);
    if (!record) throw new Error(`fake ServiceNow: no ${table} record ${sysId}`);
    const journal = JOURNAL_FIELDS.flatMap((element) => (changes[element] ? [{ element, value: changes[element] }] : []));
    const plain = definedOnly(changes);
    for (const element of JOURNAL_FIELDS) delete plain[element];
    Object.assign(record, plain, {
      sys_mod_count: String(Number(record['sys_mod_count'] ?? '0') + 1),
      sys_updated_on: formatServiceNowTime(this.#now()),
      sys_updated_by: user,
    });
    for (const entry of journal) this.#addJournal(table, sysId, entry.element, entry.value, user);
    return { ...record };
  }

  /**
   * From now on the API leaves `fields` of `table` out of inserts and updates and still answers
   * with success, as a field write ACL, or a field the table does not have, would. ASSUMPTION (not
   * in the fact sheet): the instance drops such a field silently rather than refusing the request.
   */
  refuseWrites(table: string, ...fields: string[]): void {
    const refused = this.#refusedWrites.get(table) ?? new Set<string>();
    for (const field of fields) refused.add(field);
    this.#refusedWrites.set(table, refused);
  }

  allowWrites(table: string, ...fields: string[]): void {
    for (const field of fields) this.#refusedWrites.get(table)?.delete(field);
  }

  /** ServiceNow's stock task tables exist, and so does every table a test or a client wrote to. */
  exists(table: string): boolean {
    return table in NUMBER_PREFIXES || table === 'task' || this.#tables.has(table);
  }

  /**
   * An update through the API: refused fields are left out and values equal to the stored ones are
   * no change. ASSUMPTION (not in the fact sheet): an update that changes nothing is not written, so
   * sys_mod_count and sys_updated_on stay; a journal entry is a change.
   */
  update(table: string, sysId: string, changes: Partial<FakeRecord>, user: string): FakeRecord {
    const record = this.#table(table).get(sysId);
    if (!record) throw new Error(`fake ServiceNow: no ${table} record ${sysId}`);
    const refused = this.#refusedWrites.get(table);
    const applied = Object.fromEntries(
      Object.entries(definedOnly(changes)).filter(
        ([field, value]) => !refused?.has(field) && (isJournal(field) ? value !== '' : record[field] !== value),
      ),
    );
    return Object.keys(applied).length === 0 ? { ...record } : this.touch(table, sysId, applied, user);
  }

  /** An insert through the API: journal fields go to the journal, the rest into the record. */
  insert(table: string, requested: Partial<FakeRecord>, user: string): FakeRecord {
    const refused = this.#refusedWrites.get(table);
    const fields = Object.fromEntries(Object.entries(requested).filter(([field]) => !refused?.has(field)));
    const plain = definedOnly(fields);
    for (const element of JOURNAL_FIELDS) delete plain[element];
    const record = this.upsert(table, { ...plain, sys_created_by: user, sys_updated_by: user });
    for (const element of JOURNAL_FIELDS) {
      const value = fields[element];
      if (value) this.#addJournal(table, record['sys_id'] ?? '', element, value, user);
    }
    return record;
  }

  /** Adds `count` records, for benchmarks and paging tests. */
  seed(table: string, count: number, fields: (index: number) => Partial<FakeRecord> = () => ({})): FakeRecord[] {
    return Array.from({ length: count }, (_, index) => this.upsert(table, fields(index)));
  }

  get(table: string, sysId: string): FakeRecord | undefined {
    const record = this.#table(table).get(sysId);
    return record && { ...record };
  }

  /** The live records in insertion order, without copying (queries over large seeded tables); do not mutate. */
  scan(table: string): readonly Readonly<FakeRecord>[] {
    return [...this.#table(table).values()];
  }

  /** Copies, in insertion order. */
  list(table: string): FakeRecord[] {
    return [...this.#table(table).values()].map((record) => ({ ...record }));
  }

  delete(table: string, sysId: string): boolean {
    return this.#table(table).delete(sysId);
  }

  journal(table: string, sysId: string): JournalEntry[] {
    return [...(this.#journals.get(`${table}:${sysId}`) ?? [])];
  }

  clear(): void {
    this.#tables.clear();
    this.#journals.clear();
    this.#counters.clear();
    this.#refusedWrites.clear();
  }

  #table(table: string): Map<string, FakeRecord> {
    let rows = this.#tables.get(table);
    if (!rows) this.#tables.set(table, (rows = new Map()));
    return rows;
  }

  #numberFor(table: string): { number?: string } {
    const prefix = NUMBER_PREFIXES[table];
    if (!prefix) return {};
    const next = (this.#counters.get(table) ?? 10_000) + 1;
    this.#counters.set(table, next);
    return { number: `${prefix}${String(next).padStart(7, '0')}` };
  }

  #addJournal(table: string, sysId: string, element: JournalEntry['element'], value: string, user: string): void {
    const key = `${table}:${sysId}`;
    const entries = this.#journals.get(key) ?? [];
    entries.push({ element, value, createdOn: formatServiceNowTime(this.#now()), createdBy: user });
    this.#journals.set(key, entries);
  }
}

function isJournal(field: string): boolean {
  return (JOURNAL_FIELDS as readonly string[]).includes(field);
}

function definedOnly(fields: Partial<FakeRecord>): FakeRecord {
  const result: FakeRecord = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) result[key] = String(value);
  return result;
}
