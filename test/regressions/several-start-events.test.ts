import { expect } from 'chai';
import { type Store, type WorkflowEngine } from '../../src/engine';
import { activity, end, flow, manual, pkg, process } from '../support/definition-builder';
import { importXpdl } from '../../src/xpdl';
import { openItems, regressionEngine } from './support';

/**
 * Issue 11, "Several start events": every start event fired in one case (two work items for the
 * same activity). A case now starts at one start event: the one asked for, else the process's
 * DefaultStartActivityId, else the first start event without a trigger.
 */
describe('regression: several start events start one case at one of them (issue 11)', () => {
  let engine: WorkflowEngine;
  let store: Store;

  before(async () => {
    ({ engine, store } = await regressionEngine());
    await engine.deploy(pkg(process('two_starts', {
      activities: [
        activity('by_mail', 'start', { extendedAttributes: { Trigger: 'Message', Message: 'mail' } }),
        activity('at_desk', 'start'),
        activity('online', 'start'),
        manual('register'),
        end(),
      ],
      transitions: [flow('by_mail', 'register'), flow('at_desk', 'register'), flow('online', 'register'), flow('register', 'end')],
    })));
  });
  after(async () => store.close());

  it('starts at the first start event without a trigger, once', async () => {
    const c = await engine.startProcess('two_starts');
    expect((await openItems(engine, c.id)).map((i) => i.activityId)).to.deep.equal(['register']);
    const history = await engine.history(c.id);
    expect(history.filter((h) => h.type === 'activity.started' && h.activityId !== 'register').map((h) => h.activityId)).to.deep.equal(['at_desk']);
  });

  it('starts at the start event the caller names, and refuses one that is not a start', async () => {
    const c = await engine.startProcess('two_starts', { startAt: 'online' });
    expect((await engine.history(c.id)).some((h) => h.type === 'activity.started' && h.activityId === 'online')).to.equal(true);
    expect((await openItems(engine, c.id))).to.have.length(1);
    await engine.startProcess('two_starts', { startAt: 'register' }).then(
      () => expect.fail('started at a non-start activity'),
      (e: Error) => expect(e.message).to.match(/cannot start at "register": its start activities are "by_mail", "at_desk", "online"/),
    );
  });

  it('a TIBCO-style export with start events in two lanes starts one work item', async () => {
    const xpdl = `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://www.wfmc.org/2008/XPDL2.1" Id="lanes" Name="lanes">
  <PackageHeader><XPDLVersion>2.1</XPDLVersion><Vendor>t</Vendor><Created>2026</Created></PackageHeader>
  <WorkflowProcesses>
    <WorkflowProcess Id="lanes_p" Name="lanes_p">
      <Activities>
        <Activity Id="s1"><Event><StartEvent Trigger="None"/></Event></Activity>
        <Activity Id="s2"><Event><StartEvent Trigger="None"/></Event></Activity>
        <Activity Id="work"><Implementation><No/></Implementation></Activity>
        <Activity Id="e"><Event><EndEvent/></Event></Activity>
      </Activities>
      <Transitions>
        <Transition Id="t1" From="s1" To="work"/><Transition Id="t2" From="s2" To="work"/><Transition Id="t3" From="work" To="e"/>
      </Transitions>
    </WorkflowProcess>
  </WorkflowProcesses>
</Package>`;
    await engine.deploy(importXpdl(xpdl));
    const c = await engine.startProcess('lanes_p');
    expect((await openItems(engine, c.id)).map((i) => i.activityId)).to.deep.equal(['work']);
    const other = await engine.startProcess('lanes_p', { startAt: 's2' });
    expect((await openItems(engine, other.id)).map((i) => i.activityId)).to.deep.equal(['work']);
  });
});
