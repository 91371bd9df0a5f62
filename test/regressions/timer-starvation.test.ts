import { expect } from 'chai';
import { InstanceStates, type Store, type WorkflowEngine } from '../../src/engine';
import { activity, end, flow, manual, pkg, process, start } from '../support/definition-builder';
import { regressionEngine } from './support';

/**
 * Issue 11, "Timer starvation": with 100 or more overdue timers of suspended cases, fireDueTimers
 * read the 100 earliest rows, skipped them all, and never reached a running case's timer.
 */
describe('regression: timer starvation behind suspended cases (issue 11)', () => {
  let engine: WorkflowEngine;
  let store: Store;
  let clock: Awaited<ReturnType<typeof regressionEngine>>['clock'];

  before(async () => {
    ({ engine, store, clock } = await regressionEngine());
    await engine.deploy(pkg(process('starve', {
      activities: [start(), activity('wait', 'timer', { timer: { duration: 'PT1M' } }), manual('after'), end()],
      transitions: [flow('start', 'wait'), flow('wait', 'after'), flow('after', 'end')],
    })));
  });
  after(async () => store.close());

  it('fires a running case\'s timer although 120 earlier ones belong to suspended cases', async () => {
    const suspended: string[] = [];
    for (let i = 0; i < 120; i++) {
      const c = await engine.startProcess('starve');
      await engine.changeState(c.id, 'suspend');
      suspended.push(c.id);
    }
    clock.advance(1_000);
    const running = await engine.startProcess('starve');
    clock.advance(120_000);
    expect(await engine.fireDueTimers()).to.equal(1);
    expect((await engine.getInstance(running.id)).openActivities.map((a) => a.activityId)).to.deep.equal(['after']);
    // Resumed cases' timers fire after all.
    await engine.changeState(suspended[0], 'resume');
    expect(await engine.fireDueTimers()).to.equal(1);
    const resumed = await engine.getInstance(suspended[0]);
    expect(resumed.state).to.equal(InstanceStates.running);
    expect(resumed.openActivities.map((a) => a.activityId)).to.deep.equal(['after']);
  });
});
