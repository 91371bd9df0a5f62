import { expect } from 'chai';
import { type Store, type WorkflowEngine } from '../../src/engine';
import { end, flow, manual, pkg, process, route, start } from '../support/definition-builder';
import { regressionEngine } from './support';

/**
 * Issue 11, "Exclusive split with two unconditional branches": deployed silently and always took
 * the first (two real files then looped 10,000 times and aborted). Still refused at deploy, naming
 * the activity and the transitions, for every definition that does not say a person chooses: the
 * engine takes the first transition that holds, so the second unconditional one could never run.
 * Since issue 12 the XPDL importer reads a BPMN tool's gateway whose flows carry only names (and
 * no otherwise branch) as a human decision (test/xpdl/xpdl-unconditional-choices.test.ts); with an
 * otherwise branch, or from any other source (the definition builder here, a JSON definition), it
 * is refused as before.
 */
describe('regression: an exclusive split with two unconditional branches that nobody decides is refused (issue 11)', () => {
  let engine: WorkflowEngine;
  let store: Store;

  before(async () => ({ engine, store } = await regressionEngine()));
  after(async () => store.close());

  it('names the activity and both transitions', async () => {
    const p = process('xor_two', {
      activities: [start(), route('choose', { split: 'xor' }), manual('a'), manual('b'), end()],
      transitions: [flow('start', 'choose'), { id: 'to_a', from: 'choose', to: 'a', kind: 'normal' }, { id: 'to_b', from: 'choose', to: 'b', kind: 'normal' }, flow('a', 'end'), flow('b', 'end')],
    });
    await engine.deploy(pkg(p)).then(
      () => expect.fail('deployed'),
      (e: Error) => expect(e.message).to.match(/Activity "choose" is an exclusive \(XOR\) split with 2 unconditional transitions \("to_a", "to_b"\)/),
    );
    expect(await engine.listDefinitions()).to.deep.equal([]);
  });

  it('one unconditional branch besides conditions is still fine', async () => {
    await engine.deploy(pkg(process('xor_one', {
      activities: [start(), route('choose', { split: 'xor' }), manual('a'), manual('b'), end()],
      transitions: [flow('start', 'choose'), flow('choose', 'a', 'x > 1'), flow('choose', 'b'), flow('a', 'end'), flow('b', 'end')],
      fields: [{ id: 'x', type: 'INTEGER', initialValue: '0' }],
    })));
  });
});
