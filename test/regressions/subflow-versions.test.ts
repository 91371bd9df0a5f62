import { expect } from 'chai';
import { InstanceStates, type Store, type WorkflowEngine } from '../../src/engine';
import { activity, end, field, flow, manual, pkg, process, start } from '../support/definition-builder';
import { openItems, regressionEngine } from './support';

/**
 * Issue 11, "Subflow versions": a case of parent v1 started the latest child version; once the
 * child's parameters changed, the v1 case was stuck. A parent version now calls the child
 * versions pinned when it was deployed.
 */
describe('regression: a parent version calls the child version it was deployed with (issue 11)', () => {
  let engine: WorkflowEngine;
  let store: Store;

  before(async () => ({ engine, store } = await regressionEngine()));
  after(async () => store.close());

  const child = (param: string) => process('sv_child', {
    fields: [{ ...field(param, 'STRING'), mode: 'IN' }],
    activities: [start(), manual('work'), end()],
    transitions: [flow('start', 'work'), flow('work', 'end')],
  });
  const parent = (param: string) => process('sv_parent', {
    fields: [field('order', 'STRING', '"A-1"')],
    activities: [start(), activity('call', 'subprocess', { subprocess: { processId: 'sv_child', execution: 'sync', parameters: [{ formal: param, actual: 'order', direction: 'IN' }] } }), end()],
    transitions: [flow('start', 'call'), flow('call', 'end')],
  });

  it('v1 cases keep starting child v1 after child v2 (renamed parameter) is deployed', async () => {
    await engine.deploy(pkg(child('orderId')));
    await engine.deploy(pkg(parent('orderId')));
    expect((await engine.getDefinition('sv_parent', 1)).definition.subprocessVersions).to.deep.equal({ sv_child: 1 });

    await engine.deploy(pkg(child('orderNumber')));
    const v1case = await engine.startProcess('sv_parent', { version: 1 });
    const started = (await engine.history(v1case.id)).find((h) => h.type === 'subprocess.started')!;
    expect(started.detail).to.include({ version: 1 });
    const childId = started.detail!.childInstanceId as string;
    expect((await engine.getInstance(childId)).data).to.include({ orderId: 'A-1' });
    const work = (await openItems(engine, childId))[0];
    await engine.completeWorkItem(work.id);
    expect((await engine.getInstance(v1case.id)).state).to.equal(InstanceStates.completed);

    // The parent deployed against the new child pins child v2.
    const [{ version }] = await engine.deploy(pkg(parent('orderNumber')));
    expect((await engine.getDefinition('sv_parent', version)).definition.subprocessVersions).to.deep.equal({ sv_child: 2 });
    const v2case = await engine.startProcess('sv_parent');
    const v2child = (await engine.history(v2case.id)).find((h) => h.type === 'subprocess.started')!.detail!;
    expect(v2child).to.include({ version: 2 });
  });

  it('a package deploying parent and child together pins the child of the package', async () => {
    const c = process('sv_pkg_child', { activities: [start(), manual('w'), end()], transitions: [flow('start', 'w'), flow('w', 'end')] });
    const p = process('sv_pkg_parent', {
      activities: [start(), activity('call', 'subprocess', { subprocess: { processId: 'sv_pkg_child', execution: 'sync', parameters: [] } }), end()],
      transitions: [flow('start', 'call'), flow('call', 'end')],
    });
    await engine.deploy({ id: 'svpkg', processes: [p, c], warnings: [] });
    expect((await engine.getDefinition('sv_pkg_parent')).definition.subprocessVersions).to.deep.equal({ sv_pkg_child: 1 });
    // Deploying the same package again changes nothing.
    const again = await engine.deploy({ id: 'svpkg', processes: [p, c], warnings: [] });
    expect(again.map((r) => r.created)).to.deep.equal([false, false]);
  });
});
