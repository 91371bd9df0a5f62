import { expect } from 'chai';
import { WorkflowEngine, handOverActivityKey, type HandOver, type Store } from '../../src/engine';
import { createTestStore } from '../support/test-store';
import { end, field, flow, manual, pkg, process, start } from '../support/definition-builder';

/**
 * The activity-instance dedupe key (handOverActivityKey) lives in the same inbox, under the same
 * primary key, as the item ids senders choose freely. A third department that may legitimately
 * hand something to the performer can choose as its item id the key of another home's activity
 * instance: its own hand-over is accepted and commits that key, and the real home's hand-over is
 * then refused as "taken before". Activity instance ids are `${caseId}/a${seq}`, so a department
 * that learnt the case id (e.g. by performing an earlier activity of it) can predict them.
 */
describe('regression: hand-over activity key poisoning', () => {
  let store: Store;
  let planning: WorkflowEngine;
  let transport: WorkflowEngine;
  let environment: WorkflowEngine;

  const licence = pkg(process('licence', {
    participants: [
      { id: 'planning', type: 'ORGANIZATIONAL_UNIT', department: 'planning' },
      { id: 'environment', type: 'ORGANIZATIONAL_UNIT', department: 'environment' },
    ],
    fields: [field('envOk', 'BOOLEAN')],
    activities: [start(), manual('register', 'planning', { department: 'planning' }), manual('env_review', 'environment', { department: 'environment', updates: ['envOk'] }), end('e1')],
    transitions: [flow('start', 'register'), flow('register', 'env_review'), flow('env_review', 'e1')],
  }));

  // transport's own process, in which environment legitimately performs an activity for it.
  const haulage = pkg(process('haulage', {
    participants: [
      { id: 'transport', type: 'ORGANIZATIONAL_UNIT', department: 'transport' },
      { id: 'environment', type: 'ORGANIZATIONAL_UNIT', department: 'environment' },
    ],
    fields: [field('ok', 'BOOLEAN')],
    activities: [start(), manual('apply', 'transport', { department: 'transport' }), manual('noise_check', 'environment', { department: 'environment', updates: ['ok'] }), end('e1')],
    transitions: [flow('start', 'apply'), flow('apply', 'noise_check'), flow('noise_check', 'e1')],
  }));

  before(async () => {
    store = await createTestStore();
    planning = new WorkflowEngine({ store, department: 'planning' });
    transport = new WorkflowEngine({ store, department: 'transport' });
    environment = new WorkflowEngine({ store, department: 'environment' });
    await planning.deploy(licence);
    await transport.deploy(haulage);
  });
  after(async () => store.close());

  async function handOverOf(engine: WorkflowEngine, caseId: string): Promise<HandOver> {
    const [msg] = (await engine.outbox({ instanceId: caseId })).filter((m) => m.kind === 'transfer');
    const p = msg.payload as Record<string, any>;
    return { itemId: msg.id, caseId: p.caseId, home: p.home, sender: p.sender, processId: p.processId, version: p.version, contentHash: p.contentHash, activityId: p.activityId, activityInstanceId: p.activityInstanceId, data: p.data };
  }

  it('regression: another department poisoned the activity key of planning\'s case by sending its own hand-over under that key as item id; planning\'s real hand-over was refused as a duplicate', async () => {
    const c = await planning.startProcess('licence');
    // What transport can predict once it knows the case id: the next activity instance ids.
    const predicted = Array.from({ length: 8 }, (_, i) => `${c.id}/a${i + 1}`);

    // transport hands environment its own, legitimate hand-overs, each under a chosen item id.
    for (const activityInstanceId of predicted) {
      const t = await transport.startProcess('haulage');
      await transport.completeWorkItem(t.workItems[0].id);
      const own = await handOverOf(transport, t.id);
      const poisoned = await environment.acceptHandOver({ ...own, itemId: handOverActivityKey({ home: 'planning', caseId: c.id, activityInstanceId }) }).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(poisoned?.name, 'an item id in the inbox\'s own key space is refused').to.equal('InvalidDataError');
      expect(poisoned?.message).to.match(/starts with "hand-over:", which this engine keeps for keys of its own/);
    }

    await planning.completeWorkItem(c.workItems[0].id);
    const h = await handOverOf(planning, c.id);
    expect(predicted, 'the activity instance id was predictable').to.include(h.activityInstanceId);
    const receipt = await environment.acceptHandOver(h);
    expect(receipt, 'planning is the home and hands over its own activity instance for the first time').to.include({ accepted: true });
  });
});
