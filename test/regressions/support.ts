import { WorkflowEngine, ManualClock, type Store, type WorkItemRecord } from '../../src/engine';
import { createTestStore } from '../support/test-store';

/** A fresh engine on a fresh store with a manual clock, for one regression. */
export async function regressionEngine(options: { department?: string } = {}): Promise<{ engine: WorkflowEngine; store: Store; clock: ManualClock }> {
  const store = await createTestStore();
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 9, 0, 0));
  const engine = new WorkflowEngine({ store, clock, ...options });
  return { engine, store, clock };
}

export async function openItems(engine: WorkflowEngine, instanceId: string): Promise<WorkItemRecord[]> {
  return engine.worklist({ instanceId });
}
