import type { z } from 'zod';
import type { HttpClient } from './http.types.ts';
import type { HubOperations } from './operations.types.ts';
import type { TaskAlertChannel } from './task-alerts.types.ts';

// The one interface every connector implements. A connector gets everything it may use from its
// context and never touches the database or the queue: the runtime owns persistence, cursors,
// dedupe, retries across runs, tasks and alerts.

export type Environment = 'staging' | 'production';

/** How a connector can authenticate, as data for the catalog and the admin UI. */
export type AuthKind =
  | { type: 'basic'; description?: string }
  | { type: 'bearer'; description?: string }
  | { type: 'api_key'; header: string; description?: string }
  | {
      type: 'oauth2';
      grantTypes: Array<'client_credentials' | 'password' | 'refresh_token' | 'authorization_code'>;
      description?: string;
    }
  | { type: 'webhook_signature'; scheme: 'standard_webhooks' | 'hmac_sha256' | 'slack_v0'; description?: string };

export interface ConnectorLogger {
  debug(details: Record<string, unknown>, message: string): void;
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface ConnectorContext<Config = unknown, Credentials = unknown> {
  integrationId: string;
  tenantId: string;
  environment: Environment;
  config: Config;
  credentials: Credentials;
  /**
   * HTTP with timeouts, retries with backoff and jitter honouring Retry-After, a circuit breaker
   * per integration, the integration's authentication applied, and every failure thrown as a
   * ConnectorError carrying a failure code.
   */
  http: HttpClient;
  logger: ConnectorLogger;
  clock: () => Date;
  /** Aborted when the run is cancelled or the process shuts down. */
  signal: AbortSignal;
}

export interface CheckResult {
  ok: true;
  /** Shown to the admin, e.g. "read incident INC0010023 as svc-grc". */
  detail: string;
}

/** One upstream record as a connector returns it; the runtime hashes, dedupes and stores it. */
export interface PolledRecord {
  externalId: string;
  payload: Record<string, unknown>;
  /** When the record last changed upstream, if the upstream says. */
  updatedAt?: Date;
}

/** A page of records and the cursor to resume from once this page is stored. */
export interface PollPage<Cursor> {
  records: PolledRecord[];
  cursor: Cursor;
}

export type PollMode = 'incremental' | 'full';

export interface StreamDefinition<Config, Credentials, Cursor = unknown> {
  description: string;
  /** Suggested interval between polls. */
  defaultIntervalSeconds: number;
  /**
   * Pages through upstream from `cursor` (undefined on the first run and in full mode). The runtime
   * commits each page's records together with its cursor, so a run killed mid-way resumes at the
   * last committed page.
   */
  poll(ctx: ConnectorContext<Config, Credentials>, cursor: Cursor | undefined, mode: PollMode): AsyncIterable<PollPage<Cursor>>;
}

export interface WebhookRequest {
  rawBody: Buffer;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Query parameters of the hook URL. */
  query: Record<string, string>;
  /**
   * When the hub took the request in (epoch ms), before reading the integration or recording
   * anything: a sender's answer deadline (Slack's 3 seconds) counts from here. Missing means now.
   */
  receivedAt?: number;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export interface WebhookEvent {
  /** The provider's delivery or event id; the runtime falls back to a hash of the body. */
  deliveryId?: string;
  type: string;
  externalId?: string;
  payload: Record<string, unknown>;
}

export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A request a person is waiting on (a chat command, a button): answered synchronously. */
export interface Interaction {
  /** Identifies this very request, so a replay of it has no second effect. */
  dedupeKey: string;
  type: string;
  /** What is recorded as the event: no capability URLs or tokens. */
  payload: Record<string, unknown>;
}

export interface WebhookDefinition<Config, Credentials> {
  /**
   * Unsigned handshakes some providers send before anything else (Slack's ssl_check, Graph's
   * validationToken): answered before verification, never stored.
   */
  handshake?(request: WebhookRequest): WebhookResponse | undefined;
  /** Checks the signature over the raw bytes, before anything is parsed. */
  verify(request: WebhookRequest, context: { config: Config; credentials: Credentials; now: Date }): VerifyResult;
  /**
   * The credential fields `verify` uses (ServiceNow's `webhookSecret`). After a change that keeps
   * them, the replaced credentials are not kept to verify deliveries meanwhile (a password change
   * would otherwise end the window of a webhook secret changed just before), and after one that
   * removes them nothing is: webhooks are switched off. Without it, every change keeps them.
   */
  secretFields?: readonly string[];
  /** Recognises a verified request as an interaction (to run now) rather than events (to store). */
  interaction?(request: WebhookRequest): Interaction | undefined;
  /**
   * Runs an interaction and gives the synchronous answer; slower follow-ups go out on their own.
   * `recorded` settles once the runtime has recorded the request: true the first time, false for a
   * replay, which must have no effect. Nothing may happen before it is true, but the answer need
   * not wait for it when the sender's deadline comes first; it rejects when recording failed,
   * with InteractionNotRecorded when that failure passes (the hub's database) and the person can
   * simply be told nothing was done (other failures are the runtime's to answer).
   * `followUp` takes the work that goes on after the answer (the action of a button already
   * acknowledged, a reply for response_url): a graceful stop of the process waits for it.
   */
  interact?(
    request: WebhookRequest,
    ctx: ConnectorContext<Config, Credentials>,
    operations: HubOperations,
    recorded: Promise<boolean>,
    followUp?: (work: Promise<unknown>) => void,
  ): Promise<WebhookResponse>;
  /** Turns a verified delivery into events (possibly none). */
  parse(request: WebhookRequest): WebhookEvent[];
  /** A synchronous answer some providers need (URL verification handshakes); else 202. */
  respond?(request: WebhookRequest): WebhookResponse | undefined;
}

export interface ActionResult {
  /** Id of what the action created or changed upstream. */
  externalId?: string;
  url?: string;
  output?: Record<string, unknown>;
  /**
   * The action posted an alert about a remediation task: the runtime then updates it in place
   * when the task changes and escalates it on the given steps.
   */
  taskAlert?: { taskId: string; channel: string; ts: string; escalation?: { afterMinutes: number[]; mention?: string | undefined } | undefined };
}

/** Where a string lies in an action's input: its keys and list positions from the top. */
export type InputPath = ReadonlyArray<string | number>;

/**
 * How an action's input takes values from event data, for an action that sends some of its input
 * upstream as markup (Slack's mrkdwn). A route's template is the admin's: its own markup stays
 * live (a `<!here>`, a link). The values its placeholders fill in come from whoever can write to
 * the source (a ServiceNow record, a webhook): written into markup as they are, they could ping a
 * channel or disguise a link, so the renderer escapes them there. An action that escapes its
 * inputs itself (Slack's alert) declares none: the values would show escaped twice.
 */
export interface TemplateValues {
  /**
   * Whether the string at `path` is markup. `holder` is the object or list holding it, as the
   * template rendered it (before any escaping), so a text object can be told by its `type`.
   */
  isMarkup(path: InputPath, holder: unknown): boolean;
  /** A value from event data written so that the markup shows it as the text it is. */
  escape(value: string): string;
}

export interface ActionDefinition<Config, Credentials, Input extends z.ZodType = z.ZodType> {
  description: string;
  input: Input;
  /** How a route's template writes event data into markup fields of the input; none: as it is. */
  templateValues?: TemplateValues;
  /**
   * Running it twice with the same idempotency key does what running it once does: it finds what
   * the first run made, or sets a value rather than adding one. A run whose worker died while it
   * ran is then run again; otherwise (the default) it fails as `run_interrupted`, since it may
   * already have taken effect upstream and a second run could post or add the same thing twice.
   */
  idempotent?: boolean;
  run(
    ctx: ConnectorContext<Config, Credentials>,
    input: z.output<Input>,
    meta: { idempotencyKey: string },
  ): Promise<ActionResult>;
}

/** How OAuth 2.0 tokens are obtained for this connector's oauth2 credentials. */
export interface OAuth2Settings<Config> {
  tokenUrl(config: Config): string;
  /** Where client id and secret go: an Authorization header or the form body (ServiceNow: body). */
  authorizationMethod: 'header' | 'body';
  /** Body encoding of the token request: form (most) or json (Atlassian). */
  bodyFormat?: 'form' | 'json';
}

/** What `recordVersion` reads of a stored event. */
export interface EventOfRecord {
  type: string;
  externalId: string | null;
  payload: unknown;
}

export interface ConnectorDefinition<
  ConfigSchema extends z.ZodType = z.ZodType,
  CredentialsSchema extends z.ZodType = z.ZodType,
> {
  id: string;
  displayName: string;
  description: string;
  config: ConfigSchema;
  /**
   * Rules a config must also meet to be saved (create, or a change of it), checked on what `config`
   * parsed. `config` alone reads the configs saved before these rules existed: they keep working,
   * and must meet them when next changed.
   */
  configOnSave?: z.ZodType;
  /** Write-only secrets; validated on entry, encrypted at rest, never returned. */
  credentials: CredentialsSchema;
  auth: AuthKind[];
  /** Base URL that relative request paths resolve against. */
  baseUrl(config: z.output<ConfigSchema>): string;
  oauth2?: OAuth2Settings<z.output<ConfigSchema>>;
  check(ctx: ConnectorContext<z.output<ConfigSchema>, z.output<CredentialsSchema>>): Promise<CheckResult>;
  streams: Record<string, StreamDefinition<z.output<ConfigSchema>, z.output<CredentialsSchema>, unknown>>;
  webhook?: WebhookDefinition<z.output<ConfigSchema>, z.output<CredentialsSchema>>;
  actions?: Record<string, ActionDefinition<z.output<ConfigSchema>, z.output<CredentialsSchema>>>;
  /**
   * The upstream version of the record an event carries, when the connector can tell (ServiceNow:
   * `<sys_id>@<sys_mod_count>`); undefined for events that are no record version (deletes,
   * failures, interactions). A change that arrives twice, pushed and then polled, is one version,
   * so a route acts on it once.
   */
  recordVersion?(event: EventOfRecord): string | undefined;
  /** Tells people about remediation tasks: alerts updated in place, escalations, digests. */
  taskAlerts?: TaskAlertChannel<z.output<ConfigSchema>, z.output<CredentialsSchema>>;
}
