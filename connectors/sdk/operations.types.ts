// What an interactive connector (chat commands and buttons) may ask the hub to do on a person's
// behalf. The runtime implements it scoped to the integration's tenant, checks the person's role
// and records who did what; the connector never touches the database.

export interface ChatIdentity {
  platform: 'slack';
  teamId: string;
  userId: string;
  userName?: string;
  /** A verified email from the platform, used to link the person to a hub user. */
  email?: string;
  /**
   * The platform could not be asked who the person is (rate limited, down, too slow), so `email` is
   * missing for want of an answer: someone not linked yet may well be a hub user, and is asked to
   * try again rather than told to fix their email.
   */
  lookupFailed?: boolean;
}

/**
 * How `recorded` rejects (see `interact`) when the hub could not record the request for a reason
 * that passes (its database refused or went away): nothing was done, and the connector says so to
 * the person in its own answer, as its sender shows a failed request as nothing at all.
 */
export class InteractionNotRecorded extends Error {
  override name = 'InteractionNotRecorded';
}

export class OperationRefused extends Error {
  override name = 'OperationRefused';
  readonly reason: 'not_found' | 'forbidden' | 'conflict' | 'invalid';
  constructor(reason: OperationRefused['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface TaskSummary {
  key: string;
  title: string;
  status: string;
  code: string;
  runbookUrl: string;
}

export interface IntegrationStatus {
  name: string;
  connector: string;
  environment: string;
  status: string;
  lastSuccessAt: string | null;
  /** Tasks not resolved yet (open or acknowledged). */
  openTasks: number;
  /** Those tasks, the ones still waiting for someone first, then oldest first. */
  unresolvedTasks: UnresolvedTask[];
}

export interface UnresolvedTask {
  /** TASK-42: what people type to act on it. */
  key: string;
  acknowledged: boolean;
}

export interface RunbookSummary {
  code: string;
  title: string;
  severity: string;
  /** The first paragraph of "What it means". */
  summary: string;
  url: string;
}

export interface HubOperations {
  acknowledgeTask(who: ChatIdentity, key: string, note?: string): Promise<TaskSummary>;
  resolveTask(who: ChatIdentity, key: string, note?: string): Promise<TaskSummary>;
  retryIntegration(who: ChatIdentity, integration: string): Promise<{ integration: string; runs: number }>;
  status(who: ChatIdentity, integration?: string): Promise<IntegrationStatus[]>;
  runbook(who: ChatIdentity, code: string): Promise<RunbookSummary>;
}
