import { OperationRefused } from './operations.types.ts';

/** What a person asked for that someone else did first. */
export interface TaskChange {
  /** TASK-42. */
  key: string;
  status: 'acknowledged' | 'resolved';
  /** Who did it first: the task's actor label (see chat-actor-label.ts), as its history keeps it. */
  actor: string;
}

/**
 * The refusal of the second of two people acting on a task at once. It carries who was first, as
 * the task's actor label, for the chat connector to name them the way its alerts do (a mention for
 * a chat member, a name otherwise); its message names no one, since a label holds the hub user's
 * email, which a chat must not show, and any connector may show the message as it is.
 */
export class TaskAlreadyChanged extends OperationRefused {
  override name = 'TaskAlreadyChanged';
  readonly key: string;
  readonly status: TaskChange['status'];
  readonly actor: string;
  constructor(change: TaskChange) {
    super('conflict', `${change.key} is already ${change.status}; nothing to do.`);
    this.key = change.key;
    this.status = change.status;
    this.actor = change.actor;
  }
}
