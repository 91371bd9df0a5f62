import { expect } from 'chai';
import { type Store, type WorkflowEngine } from '../../src/engine';
import { end, flow, manual, pkg, process, start } from '../support/definition-builder';
import { openItems, regressionEngine } from './support';

/**
 * Issue 11: delegate and assist accepted any participant string, putting work in nobody's
 * worklist. The participant must be one the definition knows.
 */
describe('regression: free-flow participants are checked against the definition (issue 11)', () => {
  let engine: WorkflowEngine;
  let store: Store;

  before(async () => {
    ({ engine, store } = await regressionEngine());
    await engine.deploy(pkg(process('ff_check', {
      participants: [{ id: 'deputy', type: 'ROLE' }],
      activities: [start(), manual('work', 'clerk'), manual('later', 'lawyer'), end()],
      transitions: [flow('start', 'work'), flow('work', 'later'), flow('later', 'end')],
    })));
  });
  after(async () => store.close());

  it('refuses an unknown participant by name, listing the known ones, and changes nothing', async () => {
    const c = await engine.startProcess('ff_check');
    const [item] = await openItems(engine, c.id);
    for (const act of [() => engine.delegateWorkItem(item.id, 'dep uty'), () => engine.assistWorkItem(item.id, 'nobody'), () => engine.notifyFromWorkItem(item.id, 'press')]) {
      await act().then(
        () => expect.fail('accepted'),
        (e: Error) => expect(e.message).to.match(/process "ff_check" knows no such participant \(it knows "clerk", "deputy", "lawyer"\)/),
      );
    }
    expect((await engine.getWorkItem(item.id))).to.include({ participant: 'clerk', state: 'open' });
  });

  it('accepts declared participants and performers of other activities', async () => {
    const c = await engine.startProcess('ff_check');
    const [item] = await openItems(engine, c.id);
    expect(await engine.delegateWorkItem(item.id, 'deputy')).to.include({ participant: 'deputy' });
    expect(await engine.assistWorkItem(item.id, 'lawyer')).to.include({ participant: 'lawyer', kind: 'assist' });
  });
});
