import type { Migration } from 'kysely';
import * as initial from './0001_initial.ts';
import * as runtime from './0002_runtime.ts';
import * as vault from './0003_vault.ts';
import * as adminUi from './0004_admin_ui.ts';
import * as chatops from './0005_chatops.ts';
import * as pendingEventsIndex from './0006_pending_events_index.ts';
import * as eventOwnerKeys from './0007_event_owner_keys.ts';
import * as taskFailingOperations from './0008_task_failing_operations.ts';
import * as integrationBreakers from './0009_integration_breakers.ts';
import * as runHealthIndexes from './0010_run_health_indexes.ts';
import * as tokenPersons from './0011_token_persons.ts';
import * as supersededRotations from './0012_superseded_rotations.ts';
import * as masterKeyChecks from './0013_master_key_checks.ts';
import * as loginAttemptDecisiveIndex from './0014_login_attempt_decisive_index.ts';
import * as breakerCause from './0015_breaker_cause.ts';
import * as listIndexes from './0016_list_indexes.ts';
import * as tokenFormIds from './0017_token_form_ids.ts';
import * as chatLinkUnlinked from './0018_chat_link_unlinked.ts';
import * as routeLifetime from './0019_route_lifetime.ts';
import * as integrationDisabledAt from './0020_integration_disabled_at.ts';
import * as previousCredentials from './0021_previous_credentials.ts';
import * as loginAttemptsUnknownWorkspace from './0022_login_attempts_unknown_workspace.ts';
import * as cronNicknameFields from './0023_cron_nickname_fields.ts';
import * as credentialAuditOutlivesIntegration from './0024_credential_audit_outlives_integration.ts';
import * as routeSourceLowerCase from './0025_route_source_lower_case.ts';
import * as loginAttemptsKnownBrowser from './0026_login_attempts_known_browser.ts';
import * as runEventIndex from './0027_run_event_index.ts';
import * as credentialHintsWithoutTail from './0028_credential_hints_without_tail.ts';
import * as auditTargetIndexes from './0029_audit_target_indexes.ts';
import * as tokenMakers from './0030_token_makers.ts';
import * as tenantSettingChanges from './0031_tenant_setting_changes.ts';

// Listed explicitly rather than read from the folder so the set is checked by the type checker
// and identical in every process. Append new migrations; never edit one that has shipped.
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_runtime': runtime,
  '0003_vault': vault,
  '0004_admin_ui': adminUi,
  '0005_chatops': chatops,
  '0006_pending_events_index': pendingEventsIndex,
  '0007_event_owner_keys': eventOwnerKeys,
  '0008_task_failing_operations': taskFailingOperations,
  '0009_integration_breakers': integrationBreakers,
  '0010_run_health_indexes': runHealthIndexes,
  '0011_token_persons': tokenPersons,
  '0012_superseded_rotations': supersededRotations,
  '0013_master_key_checks': masterKeyChecks,
  '0014_login_attempt_decisive_index': loginAttemptDecisiveIndex,
  '0015_breaker_cause': breakerCause,
  '0016_list_indexes': listIndexes,
  '0017_token_form_ids': tokenFormIds,
  '0018_chat_link_unlinked': chatLinkUnlinked,
  '0019_route_lifetime': routeLifetime,
  '0020_integration_disabled_at': integrationDisabledAt,
  '0021_previous_credentials': previousCredentials,
  '0022_login_attempts_unknown_workspace': loginAttemptsUnknownWorkspace,
  '0023_cron_nickname_fields': cronNicknameFields,
  '0024_credential_audit_outlives_integration': credentialAuditOutlivesIntegration,
  '0025_route_source_lower_case': routeSourceLowerCase,
  '0026_login_attempts_known_browser': loginAttemptsKnownBrowser,
  '0027_run_event_index': runEventIndex,
  '0028_credential_hints_without_tail': credentialHintsWithoutTail,
  '0029_audit_target_indexes': auditTargetIndexes,
  '0030_token_makers': tokenMakers,
  '0031_tenant_setting_changes': tenantSettingChanges,
};
