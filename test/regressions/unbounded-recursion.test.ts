import { expect } from 'chai';
import { InstanceStates, type Store, type WorkflowEngine } from '../../src/engine';
import { MAX_SUBPROCESS_DEPTH } from '../../src/engine/runtime/instance-session';
import { activity, end, field, flow, pkg, process, route, start } from '../support/definition-builder';
import { regressionEngine } from './support';

/**
 * Issue 11, "Unbounded recursion": a process whose only activity is a synchronous SubFlow to
 * itself made one start run for minutes and grow to 4 GB. Refused at deploy when nothing can
 * stop it; limited at run time (depth, steps per command) when a condition might.
 */
describe('regression: unbounded subprocess recursion (issue 11)', () => {
  let engine: WorkflowEngine;
  let store: Store;

  before(async () => ({ engine, store } = await regressionEngine()));
  after(async () => store.close());

  const call = (id: string, processId: string, execution: 'sync' | 'async' = 'sync') =>
    activity(id, 'subprocess', { subprocess: { processId, execution, parameters: [] } });

  it('refuses at deploy a process that calls itself before any wait state', async () => {
    await engine.deploy(pkg(process('selfcall', { activities: [call('again', 'selfcall')], transitions: [] }))).then(
      () => expect.fail('deployed'),
      (e: Error) => expect(e.message).to.match(/Process "selfcall" calls itself through local subprocesses \("selfcall" activity "again" → "selfcall"\) before any wait state/),
    );
  });

  it('refuses mutual recursion, through an asynchronous call too', async () => {
    const a = process('rec_a', { activities: [start(), call('to_b', 'rec_b', 'async'), end()], transitions: [flow('start', 'to_b'), flow('to_b', 'end')] });
    const b = process('rec_b', { activities: [start(), call('to_a', 'rec_a'), end()], transitions: [flow('start', 'to_a'), flow('to_a', 'end')] });
    await engine.deploy({ id: 'recpkg', processes: [a, b], warnings: [] }).then(
      () => expect.fail('deployed'),
      (e: Error) => expect(e.message).to.match(/"rec_a" activity "to_b" → "rec_b", "rec_b" activity "to_a" → "rec_a"/),
    );
  });

  it('conditional recursion deploys; a start that recurses too deep fails with a clear error and keeps nothing', async () => {
    await engine.deploy(pkg(process('countdown', {
      fields: [{ ...field('n', 'INTEGER', '0'), mode: 'INOUT' }],
      activities: [start(), route('more', { split: 'xor' }), activity('again', 'subprocess', { subprocess: { processId: 'countdown', execution: 'sync', parameters: [{ formal: 'n', actual: 'n - 1', direction: 'IN' }] } }), end()],
      transitions: [flow('start', 'more'), flow('more', 'again', 'n > 0'), flow('more', 'end', 'otherwise'), flow('again', 'end')],
    })));
    const shallow = await engine.startProcess('countdown', { data: { n: 3 } });
    expect(shallow.state).to.equal(InstanceStates.completed);
    const before = (await engine.listInstances({})).total;
    const started = Date.now();
    await engine.startProcess('countdown', { data: { n: 1_000_000 } }).then(
      () => expect.fail('started'),
      (e: Error) => expect(e.message).to.match(new RegExp(`nested ${MAX_SUBPROCESS_DEPTH + 1} deep \\(at most ${MAX_SUBPROCESS_DEPTH}\\): the subprocesses recurse without end`)),
    );
    expect(Date.now() - started).to.be.lessThan(10_000);
    expect((await engine.listInstances({})).total).to.equal(before);
  });
});
