import { FailureCode } from '../../core/runbooks/failure-codes.ts';
import { TASK_KEY } from '../../core/tasks/task-key.ts';
import { z } from 'zod';
import { keysetPageQuery, Timestamp } from './common.schema.ts';
import { Environment } from './integration.schema.ts';

export const TaskStatus = z.enum(['open', 'acknowledged', 'resolved']);

export const Task = z.object({
  id: z.uuid(),
  key: z.string().describe('TASK-<number>, what people type in Slack'),
  number: z.number(),
  integrationId: z.uuid().nullable(),
  code: z.string(),
  runbook: z.string(),
  title: z.string(),
  severity: z.string(),
  status: TaskStatus,
  occurrences: z.number(),
  lastError: z.string().nullable(),
  failingOperations: z
    .array(z.string())
    .describe('operations failing with this code that have not succeeded since (poll:<stream>, action:<action>, check); the task resolves when none is left'),
  openedAt: Timestamp,
  updatedAt: Timestamp,
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: Timestamp.nullable(),
  resolvedBy: z.string().nullable(),
  resolvedAt: Timestamp.nullable(),
});
export type Task = z.infer<typeof Task>;

export const TaskHistoryEntry = z.object({ action: z.string(), actor: z.string(), note: z.string().nullable(), at: Timestamp });

export const TaskWithHistory = Task.extend({ history: z.array(TaskHistoryEntry) });
export const TaskList = z.object({ tasks: z.array(Task) });

/** A task named by its id, or by the key people see and say (TASK-42), as Slack's /hub takes it. */
export const TaskRefParams = z.object({
  id: z.union([z.uuid(), z.string().regex(TASK_KEY)], { error: "expected the task's id (a UUID) or its key, such as TASK-42" }),
});

export const TaskQuery = keysetPageQuery(
  { item: 'task', items: 'tasks', time: 'openedAt' },
  {
    status: z.enum([...TaskStatus.options, 'unresolved']).optional().describe('`unresolved`: open and acknowledged'),
    integrationId: z.uuid().optional(),
    environment: Environment.optional().describe('only the tasks of integrations in this environment'),
    code: FailureCode.optional().describe('only the tasks of this failure code'),
  },
);
export type TaskQuery = z.infer<typeof TaskQuery>;

export const TaskActionRequest = z.strictObject({ note: z.string().trim().min(1).max(2000).optional() }).prefault({});
export type TaskActionRequest = z.infer<typeof TaskActionRequest>;
