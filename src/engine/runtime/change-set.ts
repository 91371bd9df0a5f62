import type { HistoryRecord, OutboxRecord, TimerRecord, WorkItemRecord } from '../ports/records';

/**
 * What one session changed besides the instance row, collected in memory and written by the unit
 * of work in the same transaction: history, outbox messages, timers, work items, child cases to end.
 */
export class ChangeSet {
  readonly history: HistoryRecord[] = [];
  readonly outbox: OutboxRecord[] = [];
  readonly timersToSave: TimerRecord[] = [];
  /** Activity instances whose timers go (they ended): their rows are deleted, new ones for them not saved. */
  readonly timerActivitiesToClear = new Set<string>();
  readonly timersToDelete: string[] = [];
  readonly dirtyItems = new Map<string, WorkItemRecord>();
  /** Ids of work items created by this session: inserted, not upserted. */
  readonly createdItems = new Set<string>();
  /**
   * Child cases of activities withdrawn in this session (a terminate end, a cancelling deadline, a
   * deferred choice, an abort): the unit of work terminates them before it saves, so no child case
   * outlives the activity that waited for it.
   */
  readonly childrenToTerminate: Array<{ childId: string; reason: string }> = [];
}
