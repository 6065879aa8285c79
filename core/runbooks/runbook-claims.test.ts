import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectors } from '../../connectors/registry.ts';
import { errorForNetworkFailure, errorForOversizedBody } from '../../connectors/sdk/classify-error.ts';
import { TRANSIENT_CODES, type FailureCode } from '../../connectors/sdk/failure.ts';
import { Run } from '../../schemas/api/run.schema.ts';
import { Task } from '../../schemas/api/task.schema.ts';
import { EnvironmentVariables } from '../config/config.schema.ts';
import { QueryTimeoutError } from '../db/postgres.pool.ts';
import { registerHealthMetrics } from '../health/health.metrics.ts';
import { createMetrics } from '../http/metrics.ts';
import { routeTable } from '../http/route-table.ts';
import type { AnyRoute } from '../http/route.ts';
import { toFailure } from '../runs/failure.ts';
import type { HubContext } from '../server/hub-context.ts';
import { SecretDecryptionError } from '../vault/secret-box.ts';
import { loadRunbooks } from './runbook.repository.ts';
import { RunbookConnector, type Runbook } from './runbook.schema.ts';

// An operator follows a runbook literally: an endpoint, filter, metric, label or variable it names
// that the hub does not have sends them nowhere at the worst moment. These tests hold what the
// runbooks name to what the code serves, reads and exports.

const SAMPLE_ID = '00000000-0000-4000-8000-000000000000';

interface ApiReference {
  code: string;
  method: string;
  path: string;
  query: URLSearchParams;
  /** The step (list item or paragraph) the reference sits in. */
  step: string;
}

/** `<id>`, `<runId>` and `:id` placeholders match any one path segment. */
function routeFor(method: string, path: string): AnyRoute | undefined {
  const segments = path.split('/');
  return routeTable.find((route) => {
    const pattern = route.path.split('/');
    if (route.method !== method.toLowerCase() || pattern.length !== segments.length) return false;
    return pattern.every((part, i) => part.startsWith(':') ? /^(:\w+|<[^>]+>)$/.test(segments[i] ?? '') : part === segments[i]);
  });
}

/** The list items and paragraphs of a runbook, each as one line of text. */
function stepsOf(body: string): string[] {
  return body
    .split(/\n(?=\s*(?:\d+\.|-) )|\n\s*\n/)
    .map((step) => step.replace(/\s*\n\s*/g, ' ').trim())
    .filter(Boolean);
}

function apiReferences(runbook: Runbook): ApiReference[] {
  // The hub's own API only: upstream paths such as ServiceNow's /api/now/… are not its routes.
  const hubResources = new Set(routeTable.map((route) => route.path.split('/')[2]));
  return stepsOf(runbook.body).flatMap((step) =>
    [...step.matchAll(/\b(GET|POST|PUT|PATCH|DELETE) (\/api\/(?:<[^>]*>|[^\s`),;<])+)/g)].flatMap((match) => {
      const [path = '', search = ''] = (match[2] ?? '').replace(/[.…]+$/, '').split('?');
      if (!hubResources.has(path.split('/')[2])) return [];
      return [{ code: runbook.code, method: match[1] ?? '', path, query: new URLSearchParams(search), step }];
    }),
  );
}

describe('what the runbooks tell operators to use', () => {
  let runbooks: Runbook[];
  let references: ApiReference[];
  beforeAll(async () => {
    runbooks = [...(await loadRunbooks()).values()];
    references = runbooks.flatMap(apiReferences);
  });

  it('names only endpoints the API serves', () => {
    expect(references.length).toBeGreaterThan(100);
    const unknown = references.filter((ref) => !routeFor(ref.method, ref.path)).map((ref) => `${ref.code}: ${ref.method} ${ref.path}`);
    expect(unknown).toEqual([]);
  });

  it('filters lists only by query parameters the endpoint takes, with values it accepts', () => {
    const refused: string[] = [];
    for (const ref of references) {
      const route = routeFor(ref.method, ref.path);
      if (!route || [...ref.query.keys()].length === 0) continue;
      const shape = (route.query as z.ZodObject | undefined)?.shape ?? {};
      // A placeholder such as <id> stands for a real value: an id for the *Id filters.
      const query = Object.fromEntries([...ref.query].map(([key, value]) => [key, /^<.*>$/.test(value) ? SAMPLE_ID : value]));
      for (const key of Object.keys(query)) if (!(key in shape)) refused.push(`${ref.code}: ${ref.path} has no filter "${key}"`);
      const parsed = route.query?.safeParse(query);
      if (parsed && !parsed.success) refused.push(`${ref.code}: ${ref.path}?${ref.query} is refused: ${parsed.error.issues[0]?.message}`);
    }
    expect(refused).toEqual([]);
  });

  it('says "admin role" in every step that needs an admin-only endpoint', () => {
    const unsaid = references
      .filter((ref) => routeFor(ref.method, ref.path)?.access === 'admin' && !/\badmin role\b/.test(ref.step))
      .map((ref) => `${ref.code}: ${ref.method} ${ref.path}`);
    expect(unsaid).toEqual([]);
  });

  it('names only metrics /metrics exports, with their labels', () => {
    const metrics = createMetrics();
    // Registering reads nothing: the per-integration gauges only query the database when scraped.
    registerHealthMetrics({ metrics, logger: undefined } as unknown as HubContext);
    const labelsOf = new Map(metrics.registry.getMetricsAsArray().map((metric) => [metric.name, new Set((metric as unknown as { labelNames: string[] }).labelNames)]));
    const wrong: string[] = [];
    for (const runbook of runbooks) {
      for (const match of runbook.body.matchAll(/\b(hub_[a-z0-9_]+)(\{[^}]*\})?/g)) {
        const [, name = '', selector = ''] = match;
        const labels = labelsOf.get(name);
        if (!labels) {
          wrong.push(`${runbook.code}: no metric ${name}`);
          continue;
        }
        for (const label of selector.matchAll(/(\w+)=/g)) if (!labels.has(label[1] ?? '')) wrong.push(`${runbook.code}: ${name} has no label ${label[1]}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('names only environment variables the hub reads', () => {
    const read = new Set(Object.keys(EnvironmentVariables.shape));
    const unknown = runbooks.flatMap((runbook) =>
      [...runbook.body.matchAll(/\b(?:HUB|DATABASE|REDIS)_[A-Z0-9_]+\b/g)].map((match) => match[0]).filter((name) => !read.has(name)).map((name) => `${runbook.code}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('lists as connectors the ones the hub has (connectors/registry.ts), not planned ones', () => {
    expect([...RunbookConnector.options].sort()).toEqual(connectors.map((connector) => connector.id).sort());
  });

  // The admin UI tells the operator from this flag whether the hub retries by itself.
  it('marks as retryable exactly the codes the hub treats as transient', () => {
    const wrong = runbooks.filter((runbook) => runbook.retryable !== TRANSIENT_CODES.has(runbook.code as FailureCode)).map((runbook) => runbook.code);
    expect(wrong).toEqual([]);
  });

  it("names only fields a run or a task has in the API's answers", () => {
    const fieldsOf = { run: new Set(Object.keys(Run.shape)), task: new Set(Object.keys(Task.shape)) };
    const missing = runbooks.flatMap((runbook) =>
      [...runbook.body.matchAll(/\b(run|task)'s `([a-zA-Z]+)`/g)]
        .filter(([, owner, field]) => !fieldsOf[owner as 'run' | 'task'].has(field ?? ''))
        .map(([, owner, field]) => `${runbook.code}: the ${owner}'s ${field}`),
    );
    expect(missing).toEqual([]);
  });

  // Every integration has one series per status (and per breaker state), valued 1 or 0: a selector
  // alone also lists the healthy ones, at 0.
  it('compares the per-integration status and breaker series with 1', () => {
    const bare = runbooks.flatMap((runbook) =>
      [...runbook.body.matchAll(/`(hub_integration_(?:status|breaker)\{[^}]*\})([^`]*)`/g)]
        .filter(([, , rest]) => !/^\s*==\s*1\s*$/.test(rest ?? ''))
        .map(([, selector]) => `${runbook.code}: ${selector}`),
    );
    expect(bare).toEqual([]);
  });

  // What an operator finds in a run's errorMessage, produced by the code that writes it: each
  // runbook must let them recognise the messages the hub itself composes for its code.
  it("quotes the messages the hub composes for each code in that code's runbook", () => {
    const url = 'https://acme.service-now.com/api/now/table/incident';
    const zodError = z.object({ instanceUrl: z.string() }).safeParse({}).error;
    const cases: { failure: { code: string; message: string }; quoted: string }[] = [
      { failure: toFailure(new SecretDecryptionError('no master key version 3 is configured')), quoted: 'stored credentials cannot be decrypted' },
      { failure: toFailure(zodError), quoted: 'configuration or credentials are not valid' },
      { failure: toFailure(new QueryTimeoutError(30_000)), quoted: 'DATABASE_QUERY_TIMEOUT_MS' },
      { failure: toFailure(Object.assign(new Error('terminating connection'), { code: '57P01' })), quoted: "the hub's database failed during the run" },
      { failure: toFailure(new TypeError('x is undefined')), quoted: 'while talking to the upstream system' },
      { failure: errorForNetworkFailure({ method: 'GET', url, error: { code: 'HPE_HEADER_OVERFLOW' } }), quoted: 'the answer could not be read' },
      { failure: errorForOversizedBody({ method: 'GET', url, maxBytes: 64 * 1024 * 1024 }), quoted: 'answered with a body over 64 MB' },
    ];
    const unquoted = cases
      .filter(({ failure, quoted }) => {
        expect(failure.message).toContain(quoted);
        return !runbooks.find((runbook) => runbook.code === failure.code)?.body.includes(quoted);
      })
      .map(({ failure, quoted }) => `${failure.code}: ${quoted}`);
    expect(unquoted).toEqual([]);
  });

  // Planned connectors (DESIGN.md) have no integrations yet: their causes and steps are noise to an
  // operator, and read as if the hub had them.
  it('describes no connector the hub does not have', () => {
    const planned = /\b(Jira|Atlassian|OneTrust|S3|AWS|IAM|SharePoint|Graph|Entra|AADSTS\w*|Mailgun)\b/g;
    const named = runbooks.flatMap((runbook) => [...new Set([...runbook.body.matchAll(planned)].map((match) => `${runbook.code}: ${match[1]}`))]);
    expect(named).toEqual([]);
  });

  // PATCH refuses an instanceUrl on another host unless the same change brings the credentials for
  // it (core/integrations/integration.upstream-move.integration.test.ts): a step that shows only the
  // URL leads to a 400.
  it('sends the credentials along wherever a step moves the instance URL', () => {
    const alone = runbooks.flatMap((runbook) =>
      stepsOf(runbook.body)
        .filter((step) => /"instanceUrl"/.test(step) && !/`credentials`/.test(step))
        .map((step) => `${runbook.code}: ${step.slice(0, 80)}`),
    );
    expect(alone).toEqual([]);
  });
});
