import { expect } from 'chai';
import { WorkflowEngine, InstanceStates, DefinitionError, IllegalStateError, InvalidDataError, NotFoundError, type Store } from '../../src/engine';
import { createTestStore } from '../support/test-store';
import { end, field, flow, manual, pkg, process, route, start } from '../support/definition-builder';

describe('instance lifecycle, free-flow extension and versions', () => {
  let store: Store;
  let engine: WorkflowEngine;

  const simple = (id: string, extraField = false) => process(id, {
    fields: [field('note', 'STRING'), ...(extraField ? [field('extra', 'STRING')] : [])],
    participants: ['deputy', 'lawyer', 'press-office'].map((id) => ({ id, type: 'ROLE' as const })),
    activities: [start(), manual('work', 'clerk', { updates: ['note'] }), end()],
    transitions: [flow('start', 'work'), flow('work', 'end')],
  });

  before(async () => {
    store = await createTestStore();
    engine = new WorkflowEngine({ store });
    await engine.deploy(pkg(simple('life')));
  });
  after(async () => store.close());

  it('suspends, resumes and terminates with Wf-XML state names', async () => {
    const inst = await engine.startProcess('life');
    expect((await engine.changeState(inst.id, 'suspend', 'admin')).state).to.equal('open.notrunning.suspended');
    const [item] = await engine.worklist({ instanceId: inst.id, states: ['open'] });
    await expectError(() => engine.completeWorkItem(item.id), IllegalStateError, /open\.notrunning\.suspended; cannot complete work item/);
    expect((await engine.changeState(inst.id, InstanceStates.running)).state).to.equal('open.running');
    const terminated = await engine.changeState(inst.id, InstanceStates.terminated, 'admin');
    expect(terminated.state).to.equal('closed.abnormalCompleted.terminated');
    expect(terminated.workItems).to.have.length(0);
    const stateChanges = (await engine.history(inst.id)).filter((h) => h.type === 'instance.stateChanged');
    expect(stateChanges.map((h) => h.detail?.to)).to.deep.equal(['open.running', 'open.notrunning.suspended', 'open.running', 'closed.abnormalCompleted.terminated']);
    expect(stateChanges[1].actor).to.equal('admin');
  });

  it('refuses illegal state changes with a clear error', async () => {
    const inst = await engine.startProcess('life');
    await expectError(() => engine.changeState(inst.id, 'resume'), IllegalStateError, /is open\.running; cannot resume/);
    await engine.changeState(inst.id, 'terminate');
    await expectError(() => engine.changeState(inst.id, 'suspend'), IllegalStateError, /closed instance cannot change state/);
    await expectError(() => engine.changeState(inst.id, 'closed.completed'), IllegalStateError, /reaches it by itself/);
    await expectError(() => engine.changeState(inst.id, 'explode'), IllegalStateError, /neither an action/);
  });

  it('can be created without starting (open.notrunning) and started later', async () => {
    const inst = await engine.startProcess('life', { startImmediately: false });
    expect(inst.state).to.equal('open.notrunning');
    expect(inst.workItems).to.have.length(0);
    expect((await engine.changeState(inst.id, 'open.running')).workItems).to.have.length(1);
  });

  it('delegation: the delegate completes the item and it counts', async () => {
    const inst = await engine.startProcess('life');
    const [item] = await engine.worklist({ instanceId: inst.id });
    const moved = await engine.delegateWorkItem(item.id, 'deputy', 'clerk1');
    expect(moved).to.include({ participant: 'deputy', delegatedFrom: 'clerk' });
    expect(await engine.worklist({ participants: ['deputy'], instanceId: inst.id })).to.have.length(1);
    expect((await engine.completeWorkItem(item.id, { actor: 'deputy1' })).state).to.equal(InstanceStates.completed);
  });

  it('assistance: the item waits for the helper, then returns to its performer', async () => {
    const inst = await engine.startProcess('life');
    const [item] = await engine.worklist({ instanceId: inst.id });
    const help = await engine.assistWorkItem(item.id, 'lawyer', 'clerk1', 'check the legal basis');
    expect(help).to.include({ kind: 'assist', participant: 'lawyer', parentWorkItemId: item.id });
    expect((await engine.getWorkItem(item.id)).state).to.equal('suspended');
    await expectError(() => engine.completeWorkItem(item.id), IllegalStateError, /waiting for an assistant/);
    await engine.completeWorkItem(help.id, { data: { note: 'legal ok' }, actor: 'lawyer1' });
    expect((await engine.getWorkItem(item.id)).state).to.equal('open');
    const done = await engine.completeWorkItem(item.id, { actor: 'clerk1' });
    expect(done.state).to.equal(InstanceStates.completed);
    expect(done.data.note).to.equal('legal ok');
  });

  it('notification: fire-and-forget, the process does not wait for it', async () => {
    const inst = await engine.startProcess('life');
    const [item] = await engine.worklist({ instanceId: inst.id });
    const note = await engine.notifyFromWorkItem(item.id, 'press-office', 'clerk1', 'permit coming');
    expect(note).to.include({ kind: 'notify', participant: 'press-office' });
    expect((await engine.completeWorkItem(item.id)).state).to.equal(InstanceStates.completed);
    expect((await engine.getWorkItem(note.id)).state).to.equal('open', 'the notification stays until read');
    await engine.completeWorkItem(note.id, { actor: 'press1' });
    expect((await engine.getWorkItem(note.id))).to.include({ state: 'completed', completedBy: 'press1' });
  });

  it('refuses undeclared or non-updatable data, naming the field', async () => {
    await engine.deploy(pkg(simple('life2', true)));
    const inst = await engine.startProcess('life2');
    const [item] = await engine.worklist({ instanceId: inst.id });
    await expectError(() => engine.completeWorkItem(item.id, { data: { nope: 1 } }), InvalidDataError, /no data field "nope"; declared fields: note, extra/);
    await expectError(() => engine.completeWorkItem(item.id, { data: { extra: 'x' } }), InvalidDataError, /this activity updates: note/);
    await expectError(() => engine.startProcess('life2', { data: { note: { a: 1 } } }), InvalidDataError, /"note" is STRING/);
  });

  it('pins running instances to their version when a new one is deployed', async () => {
    await engine.deploy(pkg(simple('pinned')));
    const old = await engine.startProcess('pinned');
    const v2 = process('pinned', {
      activities: [start(), manual('work', 'clerk'), manual('second_step', 'clerk'), end()],
      transitions: [flow('start', 'work'), flow('work', 'second_step'), flow('second_step', 'end')],
    });
    const [deployed] = await engine.deploy(pkg(v2));
    expect(deployed).to.deep.equal({ processId: 'pinned', version: 2, created: true });
    expect(await engine.deploy(pkg(v2))).to.deep.equal([{ processId: 'pinned', version: 2, created: false }], 'idempotent');
    const fresh = await engine.startProcess('pinned');
    expect(fresh.version).to.equal(2);
    const [oldItem] = await engine.worklist({ instanceId: old.id });
    expect((await engine.completeWorkItem(oldItem.id)).state).to.equal(InstanceStates.completed, 'v1 has one step');
    const [freshItem] = await engine.worklist({ instanceId: fresh.id });
    expect((await engine.completeWorkItem(freshItem.id)).workItems.map((i) => i.activityId)).to.deep.equal(['second_step']);
  });

  it('refuses a definition with a bad condition at deploy time, naming the transition', async () => {
    const bad = process('bad', {
      fields: [field('a', 'INTEGER')],
      activities: [start(), route('x', { split: 'xor' }), end('e1'), end('e2')],
      transitions: [flow('start', 'x'), { id: 'broken', from: 'x', to: 'e1', kind: 'condition', condition: 'a > > 1' }, flow('x', 'e2', 'otherwise')],
    });
    const err = await expectError(() => engine.deploy(pkg(bad)), DefinitionError, /Transition "broken" condition "a > > 1"/);
    expect((err as DefinitionError).problems).to.have.length(1);
    await expectError(() => engine.getDefinition('bad'), NotFoundError, /does not exist/);
  });

  it('refuses structural errors: unknown targets, unknown applications, unknown subprocesses', async () => {
    const bad = process('bad2', {
      activities: [start(), { ...manual('m'), kind: 'automatic', application: { id: 'ghost', parameters: [] } }, { ...manual('s'), kind: 'subprocess', subprocess: { processId: 'nowhere', execution: 'sync', parameters: [] } }],
      transitions: [flow('start', 'm'), flow('m', 's')],
    });
    const err = (await expectError(() => engine.deploy(pkg(bad)), DefinitionError, /application "ghost"/)) as DefinitionError;
    expect(err.problems.join('\n')).to.match(/process "nowhere", which is neither in this package nor deployed/);
  });

  it('reports unknown instances and work items as not found', async () => {
    await expectError(() => engine.getInstance('no-such-case'), NotFoundError, /Process instance "no-such-case" does not exist/);
    await expectError(() => engine.completeWorkItem('no-such-item'), NotFoundError, /Work item "no-such-item" does not exist/);
    await expectError(() => engine.startProcess('no-such-process'), NotFoundError, /deploy it first/);
  });
});

async function expectError(fn: () => Promise<unknown>, type: new (...args: never[]) => Error, message: RegExp): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    expect(e).to.be.instanceOf(type);
    expect((e as Error).message).to.match(message);
    return e as Error;
  }
  throw new Error(`expected ${type.name} matching ${message}`);
}
