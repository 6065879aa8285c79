import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

// Row types of the tables created in schemas/migrations. Repositories map these to API shapes;
// rows never reach HTTP directly.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T = unknown> = ColumnType<T, string | T, string | T>;
/** A jsonb column with a database default: optional on insert. */
type JsonWithDefault<T = unknown> = ColumnType<T, string | T | undefined, string | T>;

export type Role = 'admin' | 'operator' | 'viewer';

export interface TenantsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  settings: JsonWithDefault<Record<string, unknown>>;
  task_seq: Generated<number>;
  fingerprint_key_ciphertext: string | null;
  fingerprint_key_version: number | null;
  created_at: CreatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  tenant_id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string | null;
  disabled_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface ApiTokensTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  role: Role;
  display_prefix: string;
  token_hash: string;
  created_by: string;
  /**
   * Who acts through the token, for four eyes: `user:<id>` or `token:<id>` (migration 0011); null
   * (made by a previous version during an upgrade) means the token itself (see tokenPerson).
   */
  person: string | null;
  /** The admin UI form that made it, so the same form sent again makes no second token (0017). */
  form_id: string | null;
  /** The token that made it with POST /api/tokens (0030); null for any other maker, or unknown. */
  created_by_token_id: string | null;
  /** The admin UI user who made it on the API tokens page (0030); null otherwise, or unknown. */
  created_by_user_id: string | null;
  /** Set when it was revoked with the tokens it made: one it makes later is refused (0030). */
  descendants_revoked_at: NullableTimestamp;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface IntegrationConfigsTable {
  id: Generated<string>;
  tenant_id: string;
  connector: string;
  name: string;
  environment: 'staging' | 'production';
  config: JsonWithDefault<Record<string, unknown>>;
  credentials_ciphertext: string | null;
  credentials_key_version: number | null;
  credentials_hint: string | null;
  credentials_expires_at: NullableTimestamp;
  schedules: JsonWithDefault<Record<string, unknown>>;
  enabled: Generated<boolean>;
  paused_at: NullableTimestamp;
  /** Since when `enabled` is false; kept by a trigger (migration 0020). */
  disabled_at: Generated<Date | null>;
  oauth_token_ciphertext: string | null;
  oauth_token_key_version: number | null;
  credentials_expiry_step: number | null;
  /** The credentials the last change replaced, sealed; they verify webhooks until `previous_credentials_until` only. */
  previous_credentials_ciphertext: string | null;
  previous_credentials_key_version: number | null;
  previous_credentials_until: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface IntegrationRunsTable {
  id: Generated<string>;
  tenant_id: string;
  integration_id: string;
  kind: 'poll' | 'check' | 'action' | 'webhook';
  stream: string | null;
  trigger: string;
  mode: string | null;
  idempotency_key: string;
  window_start: NullableTimestamp;
  status: RunStatus;
  queued_at: CreatedAt;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  latency_ms: number | null;
  pages: Generated<number>;
  records_seen: Generated<number>;
  records_new: Generated<number>;
  records_changed: Generated<number>;
  payload_hash: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: Generated<number>;
  heartbeat_at: NullableTimestamp;
  next_attempt_at: NullableTimestamp;
  action: string | null;
  route_id: string | null;
  event_id: string | null;
  input: Json | null;
  result: Json | null;
  requested_by: string | null;
}

export interface IntegrationEventsTable {
  id: Generated<string>;
  tenant_id: string;
  integration_id: string;
  run_id: string | null;
  source: 'poll' | 'webhook' | 'system';
  stream: string | null;
  type: string;
  external_id: string | null;
  payload: Json;
  payload_hash: string;
  dedupe_key: string;
  status: 'pending' | 'processed' | 'failed';
  received_at: CreatedAt;
  processed_at: NullableTimestamp;
  /** The last replay: routes enabled since then act on it, as on an event received then. */
  replayed_at: NullableTimestamp;
  attempts: Generated<number>;
  error: string | null;
}

export interface IntegrationCredentialsAuditTable {
  id: Generated<string>;
  tenant_id: string;
  integration_id: string;
  action: string;
  actor: string;
  approver: string | null;
  reason: string | null;
  old_fingerprint: string | null;
  new_fingerprint: string | null;
  expires_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface IntegrationHealthMetricsTable {
  id: Generated<string>;
  tenant_id: string;
  integration_id: string;
  hour: Timestamp;
  runs_total: Generated<number>;
  runs_failed: Generated<number>;
  records: Generated<number>;
  p95_latency_ms: number | null;
}

export interface RoutesTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  filter: Json;
  source_integration_id: string | null;
  target_integration_id: string;
  action: string;
  input_template: JsonWithDefault;
  enabled: Generated<boolean>;
  /** Since when it is enabled: it acts on events received (or replayed) from then on. */
  enabled_at: Timestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface TasksTable {
  id: Generated<string>;
  tenant_id: string;
  number: number;
  integration_id: string | null;
  code: string;
  runbook: string;
  title: string;
  severity: string;
  status: 'open' | 'acknowledged' | 'resolved';
  occurrences: Generated<number>;
  last_error: string | null;
  /** Operations still failing with this code (`poll:<stream>`, `action:<action>`, `check`); see task-recovery.ts. */
  failing_operations: Generated<string[]>;
  opened_at: CreatedAt;
  updated_at: Timestamp;
  acknowledged_by: string | null;
  acknowledged_at: NullableTimestamp;
  resolved_by: string | null;
  resolved_at: NullableTimestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  tenant_id: string;
  actor_type: 'token' | 'user' | 'system' | 'slack' | 'cli';
  actor_id: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  detail: JsonWithDefault<Record<string, unknown>>;
  request_id: string | null;
  created_at: CreatedAt;
}

export interface IntegrationRecordsTable {
  tenant_id: string;
  integration_id: string;
  stream: string;
  external_id: string;
  payload_hash: string;
  first_seen_at: CreatedAt;
  changed_at: Timestamp;
}

export interface IntegrationCursorsTable {
  tenant_id: string;
  integration_id: string;
  stream: string;
  cursor: Json;
  run_id: string | null;
  updated_at: Timestamp;
}

export interface TaskHistoryTable {
  id: Generated<string>;
  tenant_id: string;
  task_id: string;
  action: string;
  actor: string;
  note: string | null;
  created_at: CreatedAt;
}

export interface CredentialRotationsTable {
  id: Generated<string>;
  tenant_id: string;
  integration_id: string;
  status: 'pending_approval' | 'applied' | 'rejected' | 'superseded';
  requested_by: string;
  /** The requester's person (Principal.person); null for rotations requested before 0011. */
  requested_by_person: string | null;
  reason: string | null;
  credentials_ciphertext: string | null;
  credentials_key_version: number | null;
  /** The OAuth token the rotation's check obtained, sealed; stored with the credentials when applied (0021). */
  oauth_token_ciphertext: string | null;
  oauth_token_key_version: number | null;
  new_fingerprint: string;
  expires_at: NullableTimestamp;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  created_at: CreatedAt;
}

/** A change of a safeguard setting waiting for a second admin (migration 0031). */
export interface TenantSettingChangesTable {
  id: Generated<string>;
  tenant_id: string;
  setting: string;
  value: Json;
  status: 'pending_approval' | 'applied' | 'cancelled';
  requested_by: string;
  /** The requester's person (Principal.person): another person must approve. */
  requested_by_person: string;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface MasterKeyChecksTable {
  version: number;
  check_ciphertext: string;
  created_at: CreatedAt;
}

export interface TaskAlertsTable {
  id: Generated<string>;
  tenant_id: string;
  task_id: string;
  integration_id: string;
  channel: string;
  ts: string;
  escalation: Json | null;
  escalated_steps: Generated<number>;
  posted_at: Timestamp;
}

export interface ChatUserLinksTable {
  id: Generated<string>;
  tenant_id: string;
  platform: string;
  team_id: string;
  user_id: string;
  hub_user_id: string;
  linked_by: string;
  created_at: CreatedAt;
  /**
   * Set when an admin unlinked the chat user (migration 0018): the row stays so that the user is
   * not linked again by email; an admin's new link clears it.
   */
  unlinked_at: NullableTimestamp;
}

export interface IntegrationBreakersTable {
  integration_id: string;
  state: 'closed' | 'open' | 'half_open';
  changed_at: Timestamp;
  reopens_at: NullableTimestamp;
  /** The last failure that counted against an open breaker, `code: message` (migration 0015). */
  cause: string | null;
}

export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  integration_configs: IntegrationConfigsTable;
  integration_runs: IntegrationRunsTable;
  integration_events: IntegrationEventsTable;
  integration_credentials_audit: IntegrationCredentialsAuditTable;
  integration_health_metrics: IntegrationHealthMetricsTable;
  routes: RoutesTable;
  tasks: TasksTable;
  audit_log: AuditLogTable;
  integration_records: IntegrationRecordsTable;
  integration_cursors: IntegrationCursorsTable;
  task_history: TaskHistoryTable;
  credential_rotations: CredentialRotationsTable;
  tenant_setting_changes: TenantSettingChangesTable;
  master_key_checks: MasterKeyChecksTable;
  task_alerts: TaskAlertsTable;
  chat_user_links: ChatUserLinksTable;
  integration_breakers: IntegrationBreakersTable;
}

export type TenantRow = Selectable<TenantsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type NewApiToken = Insertable<ApiTokensTable>;
export type IntegrationConfigRow = Selectable<IntegrationConfigsTable>;
export type IntegrationConfigUpdate = Updateable<IntegrationConfigsTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type RunRow = Selectable<IntegrationRunsTable>;
export type EventRow = Selectable<IntegrationEventsTable>;
export type RouteRow = Selectable<RoutesTable>;
export type TaskRow = Selectable<TasksTable>;
export type TaskHistoryRow = Selectable<TaskHistoryTable>;
export type CredentialRotationRow = Selectable<CredentialRotationsTable>;
export type TenantSettingChangeRow = Selectable<TenantSettingChangesTable>;
export type CredentialAuditRow = Selectable<IntegrationCredentialsAuditTable>;
export type TaskAlertRow = Selectable<TaskAlertsTable>;
export type UserRow = Selectable<UsersTable>;
