import type { ActionResult, ConnectorContext } from './connector.types.ts';
import { ConnectorError } from './failure.ts';

// Connectors that can tell people about remediation tasks (Slack) implement this. The runtime
// decides when: a task opens, changes state, stays unacknowledged too long, or a digest is due.

export interface TaskAlert {
  taskId: string;
  /** TASK-42: what people type. */
  key: string;
  title: string;
  status: 'open' | 'acknowledged' | 'resolved';
  code: string;
  severity: string;
  integrationId: string | null;
  /**
   * Whether a retry of the integration can do anything (it has streams to poll); undefined counts
   * as yes, for alerts queued by a version that did not say.
   */
  retryable?: boolean;
  integrationName: string;
  environment: string;
  occurrences: number;
  lastError: string | null;
  /** Absolute URL of the runbook page when the hub knows its public URL, else the repository path. */
  runbookUrl: string;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
}

/** Where a posted alert lives, so it can be updated in place and threaded. */
export interface AlertRef {
  channel: string;
  ts: string;
}

export interface Escalation {
  /** Minutes after posting at which an unacknowledged alert escalates, one step each. */
  afterMinutes: number[];
  /** Who to call in, e.g. a Slack user group mention `<!subteam^S123>`. */
  mention?: string | undefined;
}

export interface Digest {
  period: 'daily' | 'weekly';
  since: string;
  openTasks: TaskAlert[];
  acknowledgedTasks: TaskAlert[];
  failuresSince: Array<{ integrationName: string; code: string; count: number }>;
  integrations: Array<{ name: string; environment: string; status: string }>;
  expiringCredentials: Array<{ integrationName: string; expiresAt: string }>;
}

export interface DigestSchedule {
  channel: string;
  frequency: 'daily' | 'weekly';
  hourUtc: number;
}

export interface TaskAlertChannel<Config, Credentials> {
  /** The channel for failure-flow alerts, or undefined when this integration does not alert. */
  alertChannel(config: Config): string | undefined;
  escalation(config: Config): Escalation | undefined;
  digest(config: Config): DigestSchedule | undefined;
  post(ctx: ConnectorContext<Config, Credentials>, alert: TaskAlert, channel: string): Promise<AlertRef & ActionResult>;
  update(ctx: ConnectorContext<Config, Credentials>, ref: AlertRef, alert: TaskAlert): Promise<void>;
  escalate(ctx: ConnectorContext<Config, Credentials>, ref: AlertRef, alert: TaskAlert, step: { afterMinutes: number; mention?: string }): Promise<void>;
  sendDigest(ctx: ConnectorContext<Config, Credentials>, channel: string, digest: Digest): Promise<void>;
}

/**
 * Thrown by `update` or `escalate` when the alert's message no longer exists (deleted in the chat):
 * nothing is left to update, which is no failure of the alerting integration. The runtime then
 * forgets the alert. A `config_invalid` for any caller that does not know it.
 */
export class AlertMessageGoneError extends ConnectorError {
  override name = 'AlertMessageGoneError';
  constructor(message: string) {
    super('config_invalid', message);
  }
}
