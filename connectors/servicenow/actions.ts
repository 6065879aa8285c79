import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ActionDefinition, ConnectorContext } from '../sdk/connector.types.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { OutcomeUnknown, provesNotTaken, sendOnce } from '../sdk/outcome-unknown.ts';
import { ATTACHMENT_FILE_PATH, recordPath, recordUrl, tablePath } from './client.ts';
import { instanceBase, tableFor, TableName, type ServiceNowConfig, type ServiceNowCredentials } from './config.ts';
import { explainingRefusals, recordRefusals, type Explanation } from './action-refusals.ts';
import { resultRecord, resultRecords, type ServiceNowRecord } from './mappers.ts';
import { assertNoteWritten, requireModCount } from './work-note-landed.ts';

type Context = ConnectorContext<ServiceNowConfig, ServiceNowCredentials>;

function action<Input extends z.ZodType>(definition: ActionDefinition<ServiceNowConfig, ServiceNowCredentials, Input>) {
  return definition;
}

const SysId = z.string().regex(/^[0-9a-f]{32}$/, 'sys_id must be the 32-character hexadecimal id of the record');
/**
 * type/subtype with optional RFC 9110 parameters (token=token or token="quoted"). A quoted value
 * holds visible ASCII, spaces and tabs only: a header cannot carry anything else, and a file name
 * with an accented letter belongs in file_name.
 */
const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+(?:\s*;\s*[\w.+-]+=(?:[\w.+-]+|"[\t\x20\x21\x23-\x7e]*"))*$/;
const Level = z.enum(['1', '2', '3'], 'must be "1" (high), "2" (medium) or "3" (low)');

/**
 * The route's idempotency key, stored in correlation_id (a task field meant for external ids) so a
 * create whose answer was lost is found instead of repeated. Hashed: the field holds 100
 * characters and its value must be safe inside an encoded query.
 */
function correlationId(idempotencyKey: string): string {
  return `grc-hub-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

/**
 * The refusals of create_incident's lookup and insert. ASSUMPTION (not in the fact sheet): a table
 * the instance does not have answers 400 ("Invalid table").
 */
function createRefusals(table: string): Partial<Record<number, Explanation>> {
  return {
    400: { code: 'config_invalid', message: `the instance refused the request on table ${table}: check that tables.incident (default incident) names a table the instance has` },
    403: {
      message:
        `the instance refused to create a record in ${table}: let the integration user read and create ${table} records and write their correlation_id, ` +
        'or check for a data policy that makes other fields mandatory',
    },
  };
}

async function findByCorrelation(ctx: Context, table: string, correlation: string) {
  const response = await explainingRefusals(
    () =>
      ctx.http.request({
        url: tablePath(table),
        query: { sysparm_query: `correlation_id=${correlation}`, sysparm_fields: 'sys_id,number,correlation_id', sysparm_limit: 1 },
      }),
    createRefusals(table),
  );
  // A table without the field may ignore the condition and return any record; only an exact match counts.
  return resultRecords(response.body, table).find((record) => record['correlation_id'] === correlation);
}

/**
 * How long the next attempt of a create whose answer was lost waits before it looks the record up.
 * The instance may still be inserting it (a slow business rule is what ran past the client's
 * timeout, and the instance does not stop when the client goes away); looked up before it commits,
 * it is not found and a second record is made. ServiceNow cancels a REST transaction after its
 * quota, 60 s by default: twice that, the first insert has committed or is gone.
 */
export const LOST_CREATE_SETTLE_MS = 120_000;

/** A transient failure of a create that may have reached the instance, retried only once it settled. */
function settledBeforeLookingAgain(error: unknown): unknown {
  if (!(error instanceof ConnectorError) || !error.transient || provesNotTaken(error)) return error;
  return new ConnectorError(error.code, `${error.message}; the instance may still be creating the record, so the next attempt looks for it in ${LOST_CREATE_SETTLE_MS / 1000} s`, {
    ...(error.status === undefined ? {} : { status: error.status }),
    retryAfterMs: Math.max(error.retryAfterMs ?? 0, LOST_CREATE_SETTLE_MS),
    cause: error,
  });
}

async function createRecord(ctx: Context, table: string, fields: Record<string, unknown>) {
  const response = await explainingRefusals(
    () =>
      ctx.http.request({
        method: 'POST',
        url: tablePath(table),
        query: { sysparm_fields: 'sys_id,number,correlation_id', sysparm_exclude_reference_link: 'true' },
        json: fields,
        // Creating is not idempotent: a blind retry after a lost answer makes a second record.
        retry: false,
      }),
    createRefusals(table),
  ).catch((error: unknown) => {
    throw settledBeforeLookingAgain(error);
  });
  return resultRecord(response.body, table);
}

export const createIncident = action({
  description: 'Create an incident; a retried route finds the incident it created before instead of making a second one.',
  // Found again by its correlation id.
  idempotent: true,
  input: z.strictObject({
    short_description: z.string().trim().min(1, 'short_description is required'),
    description: z.string().optional(),
    urgency: Level.optional(),
    impact: Level.optional(),
    assignment_group: z.string().min(1, 'assignment_group must be the group sys_id').optional(),
  }),
  async run(ctx, input, { idempotencyKey }) {
    const table = tableFor(ctx.config, 'incident');
    const correlation = correlationId(idempotencyKey);
    let record = await findByCorrelation(ctx, table, correlation);
    if (record === undefined) {
      record = await createRecord(ctx, table, { ...input, correlation_id: correlation });
      assertCorrelationStored(table, record, correlation);
    }
    return { externalId: record.sys_id, url: recordUrl(instanceBase(ctx.config), table, record.sys_id), output: { number: record['number'] } };
  },
});

/**
 * ASSUMPTION (not in the fact sheet), as for state below: a field the instance will not write (a
 * field ACL on correlation_id, a table without that column) is left out and the create still
 * answers 201. The record is made, but no retry or replay could find it again: each would make
 * another. So the run fails for good, naming the incident and the fix, rather than succeed once
 * and duplicate later.
 */
function assertCorrelationStored(table: string, record: ServiceNowRecord, correlation: string): void {
  if (record['correlation_id'] === correlation) return;
  throw new ConnectorError(
    'permission_denied',
    `created ${table} ${String(record['number'] ?? record.sys_id)}, but the instance did not store its correlation_id, which a retry or replay looks the incident up by; ` +
      `it is not tried again, since each attempt would create another. Let the integration user write ${table}.correlation_id ` +
      '(a field ACL), or set tables.incident to a table that has that field',
  );
}

async function patchRecord(ctx: Context, table: string, sysId: string, fields: Record<string, string>, retry: boolean, forbidden: string) {
  const response = await explainingRefusals(
    () =>
      ctx.http.request({
        method: 'PATCH',
        url: recordPath(table, sysId),
        query: { sysparm_fields: 'sys_id,number,state,sys_mod_count', sysparm_exclude_reference_link: 'true' },
        json: fields,
        retry,
      }),
    recordRefusals(table, sysId, forbidden),
  );
  const record = resultRecord(response.body, table);
  return { record, url: recordUrl(instanceBase(ctx.config), table, record.sys_id) };
}

/** The record as it stands, for what a write is then checked against. A read: retried as usual. */
async function readRecord(ctx: Context, table: string, sysId: string, fields: string): Promise<ServiceNowRecord> {
  const response = await explainingRefusals(
    () => ctx.http.request({ url: recordPath(table, sysId), query: { sysparm_fields: fields, sysparm_exclude_reference_link: 'true' } }),
    recordRefusals(table, sysId, `the integration user may not read ${table} ${sysId}: let it read ${table} (a read ACL)`),
  );
  return resultRecord(response.body, table);
}

/**
 * A note or an upload whose answer was lost (a timeout, a reset, a 5xx) may be on the instance
 * already. Sent again, by the client or by the runtime re-running a transient failure, it would be
 * there twice; so it fails for good and a person looks (see the SDK's outcome-unknown.ts).
 */
function mayHaveTakenEffect(failure: ConnectorError, done: string): OutcomeUnknown {
  return new OutcomeUnknown(failure, `${failure.message}; the instance may have ${done} anyway, so it is not sent again`);
}

export const addWorkNote = action({
  description: 'Add an internal work note (not visible to the caller) to a record.',
  // No default here: the default is the configured incident table (config.tables.incident), the
  // one create_incident writes to, so a note on an incident the hub created lands on that record.
  input: z.strictObject({ table: TableName.optional(), sys_id: SysId, note: z.string().trim().min(1, 'note must not be empty') }),
  async run(ctx, input) {
    const table = input.table ?? tableFor(ctx.config, 'incident');
    const forbidden = `the integration user may not update ${table} ${input.sys_id}: let it write ${table}.work_notes (a write ACL)`;
    // A PATCH the instance answers 200 may still leave the note out (work-note-landed.ts).
    const countBefore = requireModCount(table, await readRecord(ctx, table, input.sys_id, 'sys_id,number,sys_mod_count'));
    // Each PATCH appends a journal entry, so a retry could post the note twice.
    const { record, url } = await sendOnce(
      () => patchRecord(ctx, table, input.sys_id, { work_notes: input.note }, false, forbidden),
      (failure) => mayHaveTakenEffect(failure, `added the work note to ${table} ${input.sys_id}`),
    );
    assertNoteWritten(table, countBefore, record);
    return { externalId: record.sys_id, url, output: { number: record['number'] } };
  },
});

/**
 * ASSUMPTION (not in the fact sheet): an update that a field write ACL, a business rule or a
 * choice list refuses for `state` still answers 200 with the record as it stands, so only the
 * returned state tells whether the change happened. Without this check the action would report a
 * state change that never took place.
 */
function assertStateApplied(table: string, sysId: string, wanted: string, returned: unknown): void {
  if (returned === wanted) return;
  throw new ConnectorError(
    'permission_denied',
    `${table} ${sysId}: the instance answered the update but state is ${JSON.stringify(returned ?? null)}, not "${wanted}" ` +
      '(a write ACL on state, a business rule, or a state value this table does not have)',
  );
}

export const changeState = action({
  description: 'Set the state of a record. State values are numbers as strings and differ per table and instance.',
  idempotent: true,
  // The raw value, not the label: with display values off a label such as "Resolved" is not a
  // state value, and the instance would not set it.
  input: z.strictObject({ table: TableName, sys_id: SysId, state: z.string().trim().regex(/^-?\d+$/, 'state must be the numeric state value, e.g. "6"') }),
  async run(ctx, input) {
    // Setting the same state twice has the same effect, so retries are safe.
    const forbidden =
      `the instance refused to set state of ${input.table} ${input.sys_id} to "${input.state}": a write ACL on ${input.table}.state, ` +
      'or a data policy that makes other fields mandatory in that state (resolving or closing often needs a close code and close notes)';
    const { record, url } = await patchRecord(ctx, input.table, input.sys_id, { state: input.state }, true, forbidden);
    assertStateApplied(input.table, input.sys_id, input.state, record['state']);
    return { externalId: record.sys_id, url, output: { number: record['number'], state: record['state'] } };
  },
});

export const attachFile = action({
  description: 'Attach a file (sent base64-encoded) to a record.',
  input: z.strictObject({
    table: TableName,
    sys_id: SysId,
    file_name: z.string().trim().min(1, 'file_name is required'),
    // Parameters are part of the file's type (text/csv; charset=utf-8 from an evidence store) and
    // go to the Attachment API as they are.
    content_type: z.string().trim().regex(MEDIA_TYPE, 'content_type must be a media type such as application/pdf'),
    // Line breaks and spaces are dropped first, as base64 is often written: wrapped at 76 columns
    // (MIME, an email attachment) or ending in a newline (`base64 file > out`).
    content_base64: z
      .string()
      .transform((text) => text.replace(/\s+/g, ''))
      .pipe(z.base64('content_base64 must be base64 (A–Z, a–z, 0–9, + and /, padded with =)').min(1, 'content_base64 must not be empty')),
  }),
  async run(ctx, input) {
    const bytes = Buffer.from(input.content_base64, 'base64');
    const file = `${input.file_name} (${bytes.length} bytes) to ${input.table} ${input.sys_id}`;
    const response = await sendOnce(
      () =>
        explainingRefusals(
          () =>
            ctx.http.request({
              method: 'POST',
              url: ATTACHMENT_FILE_PATH,
              query: { table_name: input.table, table_sys_id: input.sys_id, file_name: input.file_name },
              headers: { 'content-type': input.content_type, accept: 'application/json' },
              body: bytes,
              // Each upload adds another attachment; never repeat one blindly.
              retry: false,
            }),
          attachmentRefusals(file, input.table),
        ),
      (failure) => mayHaveTakenEffect(failure, `attached ${input.file_name} to ${input.table} ${input.sys_id}`),
    );
    const attachment = resultRecord(response.body, 'attachment');
    assertSizeStored(attachment, bytes.length, `${input.file_name} on ${input.table} ${input.sys_id}`);
    return {
      externalId: attachment.sys_id,
      url: response.headers['location'] ?? `${instanceBase(ctx.config)}/api/now/attachment/${attachment.sys_id}`,
      output: { file_name: attachment['file_name'], size_bytes: attachment['size_bytes'] },
    };
  },
});

/**
 * ASSUMPTION (not in the fact sheet): the Attachment API answers 400 for a table or record it
 * cannot attach to, and a file over com.glide.attachment.max_size with 413 or 400. Neither stored
 * anything, so neither is an outcome in doubt.
 */
function attachmentRefusals(file: string, table: string): Partial<Record<number, Explanation>> {
  const limit = "the instance's attachment size limit (system property com.glide.attachment.max_size, 1024 MB by default)";
  return {
    400: { code: 'config_invalid', message: `the instance refused to attach ${file}: check that the table and the record exist and that the file is within ${limit}` },
    403: { message: `the instance refused to attach ${file}: let the integration user create attachments on ${table} (an ACL on sys_attachment)` },
    413: { code: 'config_invalid', message: `the instance refused to attach ${file} as too large: raise ${limit}, or send a smaller file` },
  };
}

/**
 * An attachment stored with fewer bytes than were sent (a proxy that cut the body short) is not the
 * evidence: reported as attached, it would pass an audit it should not. Not retried, as the upload
 * made an attachment; the message names it so a person can remove it.
 */
function assertSizeStored(attachment: ServiceNowRecord, sent: number, what: string): void {
  const stored = attachment['size_bytes'];
  if (stored === undefined || String(stored) === String(sent)) return;
  throw new ConnectorError(
    'upstream_bad_response',
    `the instance stored ${what} with ${String(stored)} bytes, not the ${sent} sent (attachment ${attachment.sys_id}): remove it, then replay the event`,
  );
}

export const servicenowActions = {
  create_incident: createIncident,
  add_work_note: addWorkNote,
  change_state: changeState,
  attach_file: attachFile,
};
