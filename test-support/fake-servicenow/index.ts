export { startFakeServiceNow, type FakeServiceNow, type FakeServiceNowOptions, type LoggedRequest } from './fake-servicenow.ts';
export type { FakeAuthSettings } from './auth.ts';
export type { FailureSpec, FaultTarget } from './faults.ts';
export type { FakeOAuthSettings, IssuedToken } from './oauth.ts';
export type { FakeRecord } from './query.ts';
export type { FakeTables, JournalEntry } from './tables.ts';
export type { StoredAttachment } from './attachments.ts';
export { formatServiceNowTime } from './time.ts';
