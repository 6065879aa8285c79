// A task's key, as people see and say it (TASK-42): taken wherever a task is named, in chat as in
// the API, by the same rule.
export const TASK_KEY = /^TASK-(\d{1,9})$/i;

/** The task number a key names, or undefined when it is no task key. */
export function taskNumberOf(key: string): number | undefined {
  const match = TASK_KEY.exec(key.trim());
  return match ? Number(match[1]) : undefined;
}
