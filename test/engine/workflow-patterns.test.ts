import { expect } from 'chai';
import { WorkflowEngine, ManualClock, InstanceStates, outboxKind, type Store, type WorkItemRecord } from '../../src/engine';
import { createTestStore } from '../support/test-store';
import { activity, app, auto, end, field, flow, manual, pkg, process, route, start } from '../support/definition-builder';

describe('workflow patterns (token execution)', () => {
  let store: Store;
  let engine: WorkflowEngine;
  let clock: ManualClock;

  before(async () => {
    store = await createTestStore();
    clock = new ManualClock(Date.UTC(2026, 10, 21, 9, 0, 0));
    engine = new WorkflowEngine({ store, clock });
  });
  after(async () => store.close());

  async function itemsOf(instanceId: string): Promise<WorkItemRecord[]> {
    return engine.worklist({ instanceId });
  }

  async function completeActivity(instanceId: string, activityId: string, data?: Record<string, unknown>, actor = 'tester') {
    const item = (await itemsOf(instanceId)).find((i) => i.activityId === activityId);
    expect(item, `an open work item for ${activityId}`).to.exist;
    return engine.completeWorkItem(item!.id, { data, actor });
  }

  it('runs a sequence of manual activities to completion and records who did what', async () => {
    await engine.deploy(pkg(process('seq', {
      activities: [start(), manual('a'), manual('b'), end()],
      transitions: [flow('start', 'a'), flow('a', 'b'), flow('b', 'end')],
    })));
    const inst = await engine.startProcess('seq', { actor: 'alice' });
    expect(inst.state).to.equal(InstanceStates.running);
    expect(inst.workItems.map((i) => i.activityId)).to.deep.equal(['a']);
    await completeActivity(inst.id, 'a', undefined, 'bob');
    const done = await completeActivity(inst.id, 'b', undefined, 'carol');
    expect(done.state).to.equal(InstanceStates.completed);
    const history = await engine.history(inst.id);
    const types = history.map((h) => h.type);
    expect(types[0]).to.equal('instance.created');
    expect(types).to.include('instance.completed');
    expect(history.find((h) => h.type === 'workitem.completed' && h.activityId === 'b')?.actor).to.equal('carol');
    expect(history.find((h) => h.type === 'instance.created')?.actor).to.equal('alice');
  });

  it('AND-join waits for every branch of an AND-split', async () => {
    await engine.deploy(pkg(process('andp', {
      activities: [start(), route('split', { split: 'and' }), manual('left'), manual('right'), route('join', { join: 'and' }), manual('after'), end()],
      transitions: [flow('start', 'split'), flow('split', 'left'), flow('split', 'right'), flow('left', 'join'), flow('right', 'join'), flow('join', 'after'), flow('after', 'end')],
    })));
    const inst = await engine.startProcess('andp');
    expect((await itemsOf(inst.id)).map((i) => i.activityId).sort()).to.deep.equal(['left', 'right']);
    const mid = await completeActivity(inst.id, 'left');
    expect(mid.waitingAt).to.deep.equal(['join']);
    expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['right']);
    await completeActivity(inst.id, 'right');
    expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['after']);
    expect((await completeActivity(inst.id, 'after')).state).to.equal(InstanceStates.completed);
  });

  describe('XOR-split with conditions and otherwise', () => {
    before(async () => {
      await engine.deploy(pkg(process('xor', {
        fields: [field('amount', 'INTEGER', '0')],
        activities: [start(), route('choose', { split: 'xor' }), manual('big'), manual('small'), manual('none'), route('merge', { join: 'xor' }), end()],
        transitions: [
          flow('start', 'choose'),
          flow('choose', 'big', 'amount >= 1000'),
          flow('choose', 'none', 'otherwise'),
          flow('choose', 'small', 'amount > 0'),
          flow('big', 'merge'), flow('small', 'merge'), flow('none', 'merge'), flow('merge', 'end'),
        ],
      })));
    });
    for (const [amount, expected] of [[5000, 'big'], [10, 'small'], [0, 'none']] as const) {
      it(`amount ${amount} goes to ${expected} only`, async () => {
        const inst = await engine.startProcess('xor', { data: { amount } });
        expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal([expected]);
        expect((await completeActivity(inst.id, expected)).state).to.equal(InstanceStates.completed);
      });
    }
  });

  describe('OR-split with a synchronising OR-join', () => {
    before(async () => {
      await engine.deploy(pkg(process('orp', {
        fields: [field('email', 'BOOLEAN', 'false'), field('sms', 'BOOLEAN', 'false')],
        activities: [start(), route('split', { split: 'or' }), manual('mail'), manual('text'), manual('letter'), route('join', { join: 'or' }), manual('after'), end()],
        transitions: [
          flow('start', 'split'),
          flow('split', 'mail', 'email'), flow('split', 'text', 'sms'), flow('split', 'letter', 'otherwise'),
          flow('mail', 'join'), flow('text', 'join'), flow('letter', 'join'), flow('join', 'after'), flow('after', 'end'),
        ],
      })));
    });

    it('waits for both taken branches', async () => {
      const inst = await engine.startProcess('orp', { data: { email: true, sms: true } });
      expect((await itemsOf(inst.id)).map((i) => i.activityId).sort()).to.deep.equal(['mail', 'text']);
      await completeActivity(inst.id, 'mail');
      expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['text'], 'join must not fire early');
      await completeActivity(inst.id, 'text');
      expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['after']);
    });

    it('does not hang on branches that were not taken', async () => {
      const inst = await engine.startProcess('orp', { data: { email: false, sms: true } });
      expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['text']);
      await completeActivity(inst.id, 'text');
      expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['after']);
    });

    it('takes otherwise when no condition holds', async () => {
      const inst = await engine.startProcess('orp');
      expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['letter']);
    });
  });

  it('deferred choice: the first branch to complete withdraws the others', async () => {
    await engine.deploy(pkg(process('deferred', {
      activities: [start(), route('wait', { split: 'deferred' }), manual('accept', 'applicant'), manual('cancel', 'applicant'), route('j', { join: 'xor' }), end()],
      transitions: [flow('start', 'wait'), flow('wait', 'accept'), flow('wait', 'cancel'), flow('accept', 'j'), flow('cancel', 'j'), flow('j', 'end')],
    })));
    const inst = await engine.startProcess('deferred');
    expect((await itemsOf(inst.id)).length).to.equal(2);
    const done = await completeActivity(inst.id, 'cancel');
    expect(done.state).to.equal(InstanceStates.completed);
    const history = await engine.history(inst.id);
    expect(history.some((h) => h.type === 'workitem.withdrawn' && h.activityId === 'accept')).to.equal(true);
    expect(history.filter((h) => h.type === 'activity.completed' && h.activityId === 'j')).to.have.length(1);
  });

  it('loops back through an XOR-join until the condition lets it out', async () => {
    await engine.deploy(pkg(process('loop', {
      fields: [field('ok', 'BOOLEAN', 'false')],
      activities: [start(), manual('draft', 'author', { join: 'xor' }), route('check', { split: 'xor' }), end()],
      transitions: [flow('start', 'draft'), flow('draft', 'check'), flow('check', 'end', 'ok'), flow('check', 'draft', 'otherwise')],
    })));
    const inst = await engine.startProcess('loop');
    await completeActivity(inst.id, 'draft', { ok: false });
    await completeActivity(inst.id, 'draft', { ok: false });
    const done = await completeActivity(inst.id, 'draft', { ok: true });
    expect(done.state).to.equal(InstanceStates.completed);
    const drafts = (await engine.history(inst.id)).filter((h) => h.type === 'workitem.completed' && h.activityId === 'draft');
    expect(drafts).to.have.length(3);
  });

  it('repeats an activity with a loop condition (repeat-until) up to its maximum', async () => {
    await engine.deploy(pkg(process('loopattr', {
      fields: [field('n', 'INTEGER', '0')],
      applications: [app('inc', { script: 'n = n + 1' })],
      activities: [start(), auto('count', 'inc', { loop: { condition: 'n < 10', testBefore: false, maximum: 4 } }), end()],
      transitions: [flow('start', 'count'), flow('count', 'end')],
    })));
    const inst = await engine.startProcess('loopattr');
    expect(inst.state).to.equal(InstanceStates.completed);
    expect(inst.data.n).to.equal(4);
  });

  describe('multi-instance activities', () => {
    before(async () => {
      await engine.deploy(pkg(process('mi', {
        fields: [field('inspections', 'INTEGER', '3'), field('findings', 'STRING')],
        activities: [
          start(),
          manual('inspect', 'inspector', { multiInstance: { count: 'inspections', ordering: 'parallel', completionCondition: 'nrOfCompletedInstances >= 2' } }),
          manual('decide'),
          end(),
        ],
        transitions: [flow('start', 'inspect'), flow('inspect', 'decide'), flow('decide', 'end')],
      })));
      await engine.deploy(pkg(process('miseq', {
        fields: [field('inspections', 'INTEGER', '2')],
        activities: [start(), manual('inspect', 'inspector', { multiInstance: { count: 'inspections', ordering: 'sequential' } }), end()],
        transitions: [flow('start', 'inspect'), flow('inspect', 'end')],
      })));
    });

    it('creates as many work items as the run-time count and completes on its completion condition', async () => {
      const inst = await engine.startProcess('mi', { data: { inspections: 3 } });
      const items = await itemsOf(inst.id);
      expect(items.map((i) => i.loopCounter).sort()).to.deep.equal([0, 1, 2]);
      await engine.completeWorkItem(items[0].id, { data: { findings: 'ok' } });
      expect((await itemsOf(inst.id)).filter((i) => i.activityId === 'inspect')).to.have.length(2);
      await engine.completeWorkItem(items[1].id);
      const open = await itemsOf(inst.id);
      expect(open.map((i) => i.activityId)).to.deep.equal(['decide'], 'the third inspection is withdrawn');
    });

    it('offers sequential instances one after another', async () => {
      const inst = await engine.startProcess('miseq');
      let items = await itemsOf(inst.id);
      expect(items.map((i) => i.loopCounter)).to.deep.equal([0]);
      await engine.completeWorkItem(items[0].id);
      items = await itemsOf(inst.id);
      expect(items.map((i) => i.loopCounter)).to.deep.equal([1]);
      expect((await engine.completeWorkItem(items[0].id)).state).to.equal(InstanceStates.completed);
    });

    it('concurrent completions of one instance never lose a count', async () => {
      await engine.deploy(pkg(process('miall', {
        fields: [field('inspections', 'INTEGER', '6'), field('findings', 'STRING')],
        activities: [start(), manual('inspect', 'inspector', { multiInstance: { count: 'inspections', ordering: 'parallel' } }), manual('decide'), end()],
        transitions: [flow('start', 'inspect'), flow('inspect', 'decide'), flow('decide', 'end')],
      })));
      const inst = await engine.startProcess('miall');
      const items = await itemsOf(inst.id);
      expect(items).to.have.length(6);
      await Promise.all(items.map((i) => engine.completeWorkItem(i.id, { data: { findings: i.id } })));
      const after = await engine.getInstance(inst.id);
      expect(after.workItems.map((i) => i.activityId)).to.deep.equal(['decide']);
      expect((await engine.history(inst.id)).filter((h) => h.type === 'workitem.completed')).to.have.length(6);
    });

    it('concurrent completions past a completion condition: exactly the needed ones succeed', async () => {
      const inst = await engine.startProcess('mi', { data: { inspections: 5 } });
      const items = await itemsOf(inst.id);
      const results = await Promise.allSettled(items.map((i) => engine.completeWorkItem(i.id)));
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(2);
      for (const r of results) if (r.status === 'rejected') expect(String(r.reason.message)).to.match(/is withdrawn; only open work items/);
      expect((await engine.getInstance(inst.id)).workItems.map((i) => i.activityId)).to.deep.equal(['decide']);
    });
  });

  describe('multi-assignee fire rules', () => {
    before(async () => {
      for (const rule of ['first', 'last'] as const) {
        await engine.deploy(pkg(process(`fire_${rule}`, {
          activities: [start(), manual('sign', 'x', { performers: ['mayor', 'deputy'], fireRule: rule }), manual('after'), end()],
          transitions: [flow('start', 'sign'), flow('sign', 'after'), flow('after', 'end')],
        })));
      }
    });

    it('fires on the first completion and withdraws the other assignee', async () => {
      const inst = await engine.startProcess('fire_first');
      const items = await itemsOf(inst.id);
      expect(items.map((i) => i.participant).sort()).to.deep.equal(['deputy', 'mayor']);
      await engine.completeWorkItem(items.find((i) => i.participant === 'deputy')!.id);
      expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['after']);
    });

    it('fires on the last completion', async () => {
      const inst = await engine.startProcess('fire_last');
      const items = await itemsOf(inst.id);
      await engine.completeWorkItem(items[0].id);
      expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['sign']);
      await engine.completeWorkItem(items[1].id);
      expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['after']);
    });
  });

  it('timers wait until due, then continue', async () => {
    await engine.deploy(pkg(process('timer', {
      activities: [start(), activity('cool_off', 'timer', { timer: { duration: 'PT1H' } }), manual('after'), end()],
      transitions: [flow('start', 'cool_off'), flow('cool_off', 'after'), flow('after', 'end')],
    })));
    const inst = await engine.startProcess('timer');
    expect((await engine.timers(inst.id))).to.have.length(1);
    clock.advance(59 * 60_000);
    await engine.fireDueTimers();
    expect((await itemsOf(inst.id))).to.have.length(0);
    clock.advance(2 * 60_000);
    expect(await engine.fireDueTimers()).to.be.greaterThan(0);
    expect((await itemsOf(inst.id)).map((i) => i.activityId)).to.deep.equal(['after']);
    expect(await engine.timers(inst.id)).to.have.length(0);
  });

  it('a passed deadline takes the exception transition and withdraws the late work item', async () => {
    await engine.deploy(pkg(process('deadline', {
      activities: [
        start(),
        manual('review', 'reviewer', { deadlines: [{ duration: '60000', exceptionName: 'timeout', synchronous: true }] }),
        manual('escalate', 'head'), manual('publish'), end('e1'), end('e2'),
      ],
      transitions: [flow('start', 'review'), flow('review', 'publish'), flow('review', 'escalate', 'exception:timeout'), flow('publish', 'e1'), flow('escalate', 'e2')],
    })));
    const onTime = await engine.startProcess('deadline');
    await completeActivity(onTime.id, 'review');
    expect(await engine.timers(onTime.id)).to.have.length(0, 'completing the activity clears its deadline');

    const late = await engine.startProcess('deadline');
    clock.advance(61_000);
    await engine.fireDueTimers();
    const items = await itemsOf(late.id);
    expect(items.map((i) => i.activityId)).to.deep.equal(['escalate']);
  });

  it('a local subprocess makes its parent wait and maps data in and out', async () => {
    await engine.deploy(pkg(
      process('parent', {
        fields: [field('caseRef', 'STRING'), field('archiveId', 'STRING')],
        activities: [start(), activity('archive', 'subprocess', {
          subprocess: { processId: 'child', execution: 'sync', parameters: [
            { formal: 'ref', actual: 'caseRef', direction: 'IN' },
            { formal: 'result', actual: 'archiveId', direction: 'OUT' },
          ] },
        }), manual('after'), end()],
        transitions: [flow('start', 'archive'), flow('archive', 'after'), flow('after', 'end')],
      }),
      process('child', {
        fields: [{ id: 'ref', type: 'STRING', mode: 'IN' }, { id: 'result', type: 'STRING', mode: 'OUT' }],
        activities: [start(), manual('file', 'archivist'), end()],
        transitions: [flow('start', 'file'), flow('file', 'end')],
      }),
    ));
    const parent = await engine.startProcess('parent', { data: { caseRef: 'BP-7' } });
    const [childItem] = await engine.worklist({ participants: ['archivist'] }).then((l) => l.filter((i) => i.instanceId !== parent.id && i.activityId === 'file'));
    const child = await engine.getInstance(childItem.instanceId);
    expect(child.parentInstanceId).to.equal(parent.id);
    expect(child.data.ref).to.equal('BP-7');
    expect((await engine.getInstance(parent.id)).openActivities.map((a) => a.activityId)).to.deep.equal(['archive']);
    await engine.completeWorkItem(childItem.id, { data: { result: 'ARC-BP-7' } });
    const after = await engine.getInstance(parent.id);
    expect(after.data.archiveId).to.equal('ARC-BP-7');
    expect(after.workItems.map((i) => i.activityId)).to.deep.equal(['after']);
    expect((await engine.getInstance(child.id)).state).to.equal(InstanceStates.completed);
  });

  it('runs automatic activities through scripts and registered handlers, and retries a failed one', async () => {
    await engine.deploy(pkg(process('autos', {
      fields: [field('x', 'INTEGER', '2'), field('y', 'INTEGER'), field('z', 'STRING')],
      applications: [
        app('double', { script: 'y = x * 2' }),
        app('label', { formalParameters: [{ id: 'in', mode: 'IN', type: 'INTEGER' }, { id: 'out', mode: 'OUT', type: 'STRING' }] }),
      ],
      activities: [start(), auto('a1', 'double'), auto('a2', 'label', { application: { id: 'label', parameters: [
        { formal: 'in', actual: 'y + 1', direction: 'IN' }, { formal: 'out', actual: 'z', direction: 'OUT' },
      ] } }), end()],
      transitions: [flow('start', 'a1'), flow('a1', 'a2'), flow('a2', 'end')],
    })));
    const inst = await engine.startProcess('autos');
    expect(inst.state).to.equal(InstanceStates.running);
    expect(inst.data.y).to.equal(4);
    expect(inst.openActivities[0]).to.include({ activityId: 'a2', state: 'failed' });
    expect(inst.openActivities[0].error).to.match(/no handler is registered for application "label"/);
    engine.handlers.register('label', ({ input }) => ({ out: `value ${input.in}` }));
    const done = await engine.retryActivity(inst.id, inst.openActivities[0].activityInstanceId);
    expect(done.state).to.equal(InstanceStates.completed);
    expect(done.data.z).to.equal('value 5');
  });

  it('an activity of another department is handed over through the outbox and accepted once', async () => {
    const planning = new WorkflowEngine({ store, clock, department: 'planning' });
    await planning.deploy(pkg(process('xdept', {
      participants: [{ id: 'environment', type: 'ORGANIZATIONAL_UNIT', department: 'environment' }],
      fields: [field('envOk', 'BOOLEAN')],
      activities: [start(), manual('register'), manual('env_review', 'environment', { department: 'environment' }), manual('decide'), end()],
      transitions: [flow('start', 'register'), flow('register', 'env_review'), flow('env_review', 'decide'), flow('decide', 'end')],
    })));
    const inst = await planning.startProcess('xdept');
    await planning.completeWorkItem((await planning.worklist({ instanceId: inst.id }))[0].id);
    const view = await planning.getInstance(inst.id);
    expect(view.openActivities[0]).to.include({ activityId: 'env_review', state: 'transferred', department: 'environment' });
    const [msg] = await planning.outbox({ instanceId: inst.id });
    expect(msg).to.include({ kind: 'transfer', destination: 'environment', state: 'pending' });
    expect(msg.payload).to.include({ caseId: inst.id, activityId: 'env_review', sender: 'planning', version: 1 });
    const ai = view.openActivities[0].activityInstanceId;
    expect(await planning.completeTransferredActivity(inst.id, ai, { envOk: true }, { messageId: 'm-1', source: 'environment' })).to.equal(true);
    expect(await planning.completeTransferredActivity(inst.id, ai, { envOk: true }, { messageId: 'm-1', source: 'environment' })).to.equal(false);
    const after = await planning.getInstance(inst.id);
    expect(after.data.envOk).to.equal(true);
    expect(after.workItems.map((i) => i.activityId)).to.deep.equal(['decide']);
  });

  it('a remote subprocess result arrives as text and is converted; an abnormal end becomes an incident', async () => {
    await engine.deploy(pkg(process('remote', {
      fields: [field('qty', 'INTEGER', '2'), field('inStock', 'BOOLEAN'), field('made', 'INTEGER')],
      activities: [start(), activity('order', 'remote-subprocess', { subprocess: {
        processId: 'manufacturer', remoteRef: 'http://factory.example/wfxml/factory/manufacturer', execution: 'sync',
        parameters: [
          { formal: 'quantity', actual: 'qty', direction: 'IN' },
          { formal: 'available', actual: 'inStock', direction: 'OUT' },
          { formal: 'made', actual: 'made', direction: 'OUT' },
        ],
      } }), manual('after'), end()],
      transitions: [flow('start', 'order'), flow('order', 'after'), flow('after', 'end')],
    })));
    const inst = await engine.startProcess('remote');
    const [msg] = (await engine.outbox({ instanceId: inst.id })).filter(outboxKind('remote-subprocess'));
    expect(msg).to.include({ kind: 'remote-subprocess', destination: 'http://factory.example/wfxml/factory/manufacturer' });
    expect(msg.payload.data).to.deep.equal({ quantity: 2 });
    const ai = inst.openActivities[0].activityInstanceId;
    await engine.completeTransferredActivity(inst.id, ai, { available: 'true', made: '7' }, { messageId: 'r-1', source: 'factory' });
    const after = await engine.getInstance(inst.id);
    expect(after.data).to.include({ inStock: true, made: 7 });

    const failing = await engine.startProcess('remote');
    const fai = failing.openActivities[0].activityInstanceId;
    expect(await engine.failTransferredActivity(failing.id, fai, 'remote instance ended closed.abnormalCompleted.terminated', { messageId: 'r-2', source: 'factory' })).to.equal(true);
    expect(await engine.failTransferredActivity(failing.id, fai, 'again', { messageId: 'r-2', source: 'factory' })).to.equal(false, 'idempotent');
    const incident = (await engine.getInstance(failing.id)).openActivities[0];
    expect(incident).to.include({ activityId: 'order', state: 'failed', error: 'remote instance ended closed.abnormalCompleted.terminated' });
  });

  it('aborts with a clear reason when an AND-join can never fire (deadlock)', async () => {
    await engine.deploy(pkg(process('deadlock', {
      fields: [field('a', 'BOOLEAN', 'true')],
      activities: [start(), route('x', { split: 'xor' }), manual('p'), manual('q'), route('j', { join: 'and' }), end()],
      transitions: [flow('start', 'x'), flow('x', 'p', 'a'), flow('x', 'q', 'otherwise'), flow('p', 'j'), flow('q', 'j'), flow('j', 'end')],
    })));
    const inst = await engine.startProcess('deadlock');
    const done = await completeActivity(inst.id, 'p');
    expect(done.state).to.equal(InstanceStates.aborted);
    const aborted = (await engine.history(inst.id)).find((h) => h.type === 'instance.aborted');
    expect(String(aborted?.detail?.reason)).to.match(/deadlock.*j/);
  });

  it('a terminate end event ends the instance and withdraws parallel work', async () => {
    await engine.deploy(pkg(process('term', {
      activities: [start(), route('s', { split: 'and' }), manual('slow'), manual('fast'), end('stop', { terminate: true }), end()],
      transitions: [flow('start', 's'), flow('s', 'slow'), flow('s', 'fast'), flow('fast', 'stop'), flow('slow', 'end')],
    })));
    const inst = await engine.startProcess('term');
    const done = await completeActivity(inst.id, 'fast');
    expect(done.state).to.equal(InstanceStates.completed);
    expect(await itemsOf(inst.id)).to.have.length(0);
  });
});
