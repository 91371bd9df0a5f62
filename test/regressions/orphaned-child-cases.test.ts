import { expect } from 'chai';
import { InstanceStates, WorkflowEngine, type Store } from '../../src/engine';
import { activity, end, flow, manual, pkg, process, route, start } from '../support/definition-builder';
import { openItems, regressionEngine } from './support';

/**
 * Issue 11, "Orphaned child cases": withdrawing a SubFlow activity (terminate end, cancelling
 * deadline, losing deferred-choice branch) left its child case running with open work items.
 */
describe('regression: orphaned child cases (issue 11)', () => {
  let engine: WorkflowEngine;
  let store: Store;
  let clock: Awaited<ReturnType<typeof regressionEngine>>['clock'];

  before(async () => {
    ({ engine, store, clock } = await regressionEngine());
    await engine.deploy(pkg(process('orph_child', {
      activities: [start(), manual('work', 'clerk'), end()],
      transitions: [flow('start', 'work'), flow('work', 'end')],
    })));
  });
  after(async () => store.close());

  const sub = (id: string, extra = {}) => activity(id, 'subprocess', { subprocess: { processId: 'orph_child', execution: 'sync', parameters: [] }, ...extra });

  async function childOf(parentId: string): Promise<string> {
    const history = await engine.history(parentId);
    return history.find((h) => h.type === 'subprocess.started')!.detail!.childInstanceId as string;
  }

  async function expectTerminated(childId: string): Promise<void> {
    const child = await engine.getInstance(childId);
    expect(child.state).to.equal(InstanceStates.terminated);
    expect(await openItems(engine, childId)).to.deep.equal([]);
  }

  it('a terminate end event terminates the child case of a parallel SubFlow', async () => {
    await engine.deploy(pkg(process('orph_terminate', {
      activities: [start(), route('split', { split: 'and' }), sub('call'), manual('fast'), end('stop', { terminate: true }), end()],
      transitions: [flow('start', 'split'), flow('split', 'call'), flow('split', 'fast'), flow('fast', 'stop'), flow('call', 'end')],
    })));
    const parent = await engine.startProcess('orph_terminate');
    const childId = await childOf(parent.id);
    const fast = (await openItems(engine, parent.id)).find((i) => i.activityId === 'fast')!;
    const done = await engine.completeWorkItem(fast.id);
    expect(done.state).to.equal(InstanceStates.completed);
    await expectTerminated(childId);
    expect((await engine.history(parent.id)).map((h) => h.type)).to.include('subprocess.terminated');
  });

  it('a synchronous deadline that cancels a SubFlow activity terminates its child case', async () => {
    await engine.deploy(pkg(process('orph_deadline', {
      activities: [start(), sub('call', { deadlines: [{ duration: '60000', exceptionName: 'late', synchronous: true }] }), manual('escalate'), end()],
      transitions: [flow('start', 'call'), flow('call', 'end'), flow('call', 'escalate', 'exception:late'), flow('escalate', 'end')],
    })));
    const parent = await engine.startProcess('orph_deadline');
    const childId = await childOf(parent.id);
    clock.advance(61_000);
    expect(await engine.fireDueTimers()).to.be.greaterThan(0);
    await expectTerminated(childId);
    const after = await engine.getInstance(parent.id);
    expect(after.openActivities.map((a) => a.activityId)).to.deep.equal(['escalate']);
  });

  it('the losing SubFlow branch of a deferred choice terminates its child case', async () => {
    await engine.deploy(pkg(process('orph_choice', {
      activities: [start(), route('choice', { split: 'deferred' }), sub('call'), manual('answer'), end()],
      transitions: [flow('start', 'choice'), flow('choice', 'call'), flow('choice', 'answer'), flow('call', 'end'), flow('answer', 'end')],
    })));
    const parent = await engine.startProcess('orph_choice');
    const childId = await childOf(parent.id);
    const answer = (await openItems(engine, parent.id)).find((i) => i.activityId === 'answer')!;
    const done = await engine.completeWorkItem(answer.id);
    expect(done.state).to.equal(InstanceStates.completed);
    await expectTerminated(childId);
  });

  it('a withdrawn transferred activity is recorded: the other side is not cancelled and its late result is refused', async () => {
    // The same store (on MariaDB a second test store would reset the database this suite uses).
    const home = new WorkflowEngine({ store, clock, department: 'home' });
    await home.deploy(pkg(process('orph_transfer', {
      activities: [start(), route('choice', { split: 'deferred' }), manual('elsewhere', 'clerk', { department: 'other' }), manual('answer'), end()],
      transitions: [flow('start', 'choice'), flow('choice', 'elsewhere'), flow('choice', 'answer'), flow('elsewhere', 'end'), flow('answer', 'end')],
    })));
    const c = await home.startProcess('orph_transfer');
    const handed = c.openActivities.find((a) => a.activityId === 'elsewhere')!;
    const answer = (await openItems(home, c.id)).find((i) => i.activityId === 'answer')!;
    expect((await home.completeWorkItem(answer.id)).state).to.equal(InstanceStates.completed);
    const withdrawn = (await home.history(c.id)).find((h) => h.type === 'activity.withdrawn' && h.activityId === 'elsewhere' && h.detail?.transferredMessage);
    expect(withdrawn?.detail).to.include({ handedTo: 'other', otherSide: 'not cancelled; a late result is refused' });
    await home.acceptTransferResult(c.id, handed.activityInstanceId, { outcome: 'completed', data: {} }, { messageId: 'late-1', from: 'other' }).then(
      () => expect.fail('a late result was taken'),
      (e: Error) => expect(e.message).to.match(/no longer waits for a result from other/),
    );
  });

  it('nested children are terminated too, and administrative terminate still cascades', async () => {
    await engine.deploy(pkg(process('orph_middle', {
      activities: [start(), sub('call'), end()],
      transitions: [flow('start', 'call'), flow('call', 'end')],
    })));
    await engine.deploy(pkg(process('orph_top', {
      activities: [start(), route('split', { split: 'and' }), activity('mid', 'subprocess', { subprocess: { processId: 'orph_middle', execution: 'sync', parameters: [] } }), manual('fast'), end('stop', { terminate: true }), end()],
      transitions: [flow('start', 'split'), flow('split', 'mid'), flow('split', 'fast'), flow('fast', 'stop'), flow('mid', 'end')],
    })));
    const top = await engine.startProcess('orph_top');
    const middleId = await childOf(top.id);
    const grandchildId = await childOf(middleId);
    const fast = (await openItems(engine, top.id)).find((i) => i.activityId === 'fast')!;
    await engine.completeWorkItem(fast.id);
    await expectTerminated(middleId);
    await expectTerminated(grandchildId);

    const again = await engine.startProcess('orph_top');
    const mid2 = await childOf(again.id);
    await engine.changeState(again.id, 'terminate');
    await expectTerminated(mid2);
    await expectTerminated(await childOf(mid2));
  });
});
