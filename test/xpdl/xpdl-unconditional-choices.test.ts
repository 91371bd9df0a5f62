import { expect } from 'chai';
import { BRANCH_FIELD, InstanceStates, WorkflowEngine, type Store } from '../../src/engine';
import { exportXpdl, importXpdl } from '../../src/xpdl';
import { createTestStore } from '../support/test-store';
import { readFixture, withoutWarnings } from './xpdl-test-support';

/** An XPDL 2.1 package whose gateway "gw" after "a" has the outgoing transitions given. */
function gateway(transitions: string, targets = ['x', 'y']): string {
  const tasks = targets.map((id) => `<Activity Id="${id}" Name="Task ${id}"><Implementation><Task/></Implementation><Performers><Performer>clerk</Performer></Performers></Activity>`).join('');
  return `<?xml version="1.0"?>
<Package xmlns="http://www.wfmc.org/2008/XPDL2.1" Id="inline">
  <Participants><Participant Id="clerk"><ParticipantType Type="ROLE"/></Participant></Participants>
  <WorkflowProcesses><WorkflowProcess Id="p">
    <Activities>
      <Activity Id="a"><Implementation><Task/></Implementation><Performers><Performer>clerk</Performer></Performers></Activity>
      <Activity Id="gw"><Route GatewayType="Exclusive"/></Activity>${tasks}
    </Activities>
    <Transitions><Transition Id="t0" From="a" To="gw"/>${transitions}</Transitions>
  </WorkflowProcess></WorkflowProcesses>
</Package>`;
}

/**
 * Issue 12: BPMN tools export exclusive gateways whose flows carry no condition, only names. The
 * importer deploys them as a human decision; the engine's issue-11 refusal stands for the rest.
 */
describe('XPDL: an exclusive split with unconditional transitions becomes a human decision', () => {
  describe('unconditional-choice.xpdl (import and round trip)', () => {
    const pkg = importXpdl(readFixture('unconditional-choice.xpdl'));
    const t = Object.fromEntries(pkg.processes[0].transitions.map((x) => [x.id, x]));

    it('labels the branches by transition Name, else by the target activity Name, and warns naming the activity and the transitions', () => {
      expect(t.t_yes).to.include({ kind: 'normal', decision: true, condition: 'Yes, complete', name: 'Yes, complete' });
      expect(t.t_no).to.include({ kind: 'normal', decision: true, condition: 'Ask for missing papers' });
      expect(t.t_no.name).to.equal(undefined);
      expect(t.t2.decision).to.equal(undefined);
      const notes = pkg.warnings.filter((w) => /unconditional transitions/.test(w));
      expect(notes).to.deep.equal([
        'Activity "gw" (process "grant") is an exclusive (XOR) split with 2 unconditional transitions ("t_yes" "Yes, complete", "t_no" "Ask for missing papers") ' +
          'and no otherwise branch: a person decides — when "gw" is reached, its performer gets a decision work item listing the branches by these labels',
      ]);
    });

    it('exports no invented condition and re-imports to the same decision', () => {
      const xml = exportXpdl(pkg);
      expect(xml).to.match(/<xpdl:Transition Id="t_no" From="gw" To="ask"\/>/);
      expect(xml).not.to.contain('Ask for missing papers</xpdl:Condition');
      expect(withoutWarnings(importXpdl(xml))).to.deep.equal(withoutWarnings(pkg));
    });
  });

  it('makes shared labels unique with the transition Id, and says so', () => {
    const pkg = importXpdl(gateway('<Transition Id="t1" From="gw" To="x" Name="Go"/><Transition Id="t2" From="gw" To="y" Name="go"/>'));
    const labels = pkg.processes[0].transitions.filter((x) => x.decision).map((x) => x.condition);
    expect(labels).to.deep.equal(['Go (t1)', 'go (t2)']);
    expect(pkg.warnings.join('\n')).to.match(/"t1" is offered as "Go \(t1\)" because another branch is also called "Go"; "t2" is offered as "go \(t2\)"/);
  });

  it('labels an unnamed branch to an unnamed activity by its Id', () => {
    const pkg = importXpdl(gateway('<Transition Id="t1" From="gw" To="x"/><Transition Id="t2" From="gw" To="y"/>', ['x', 'y']).replace('Name="Task y"', ''));
    expect(pkg.processes[0].transitions.filter((x) => x.decision).map((x) => x.condition)).to.deep.equal(['Task x', 'y']);
  });

  it('leaves a split with an otherwise branch alone: the engine still refuses its two unconditional transitions (issue 11)', async () => {
    const pkg = importXpdl(gateway(
      '<Transition Id="t1" From="gw" To="x"/><Transition Id="t2" From="gw" To="y"/><Transition Id="t3" From="gw" To="z"><Condition Type="OTHERWISE"/></Transition>',
      ['x', 'y', 'z'],
    ));
    expect(pkg.processes[0].transitions.some((x) => x.decision)).to.equal(false);
    expect(pkg.warnings.join('\n')).not.to.match(/unconditional/);
    const store = await createTestStore();
    try {
      const engine = new WorkflowEngine({ store });
      await engine.deploy(pkg).then(
        () => expect.fail('deployed'),
        (e: Error) => expect(e.message).to.match(/Activity "gw" is an exclusive \(XOR\) split with 2 unconditional transitions \("t1", "t2"\)/),
      );
    } finally {
      await store.close();
    }
  });

  describe('driven to the end along both branches (engine)', () => {
    let store: Store;
    let engine: WorkflowEngine;
    before(async () => {
      store = await createTestStore();
      engine = new WorkflowEngine({ store });
      await engine.deploy(importXpdl(readFixture('unconditional-choice.xpdl')));
    });
    after(async () => store.close());

    async function decide(branch: string): Promise<{ instanceId: string; next: string[] }> {
      const inst = await engine.startProcess('grant');
      const [review] = await engine.worklist({ instanceId: inst.id });
      await engine.completeWorkItem(review.id, { actor: 'olga' });
      const [item] = await engine.worklist({ instanceId: inst.id });
      expect(item).to.include({ activityId: 'gw', kind: 'decision', participant: 'officer' });
      expect(item.activityName).to.equal('Complete?: choose Yes, complete | Ask for missing papers');
      expect(item.data).to.deep.equal({ [BRANCH_FIELD]: ['Yes, complete', 'Ask for missing papers'] });
      await engine.completeWorkItem(item.id, { data: { [BRANCH_FIELD]: branch }, actor: 'olga' });
      const next = await engine.worklist({ instanceId: inst.id });
      expect(next).to.have.length(1);
      const done = await engine.completeWorkItem(next[0].id, { actor: 'olga' });
      expect(done.state).to.equal(InstanceStates.completed);
      return { instanceId: inst.id, next: next.map((i) => i.activityId) };
    }

    it('takes the named branch when the person chooses its label', async () => {
      const { instanceId, next } = await decide('Yes, complete');
      expect(next).to.deep.equal(['award']);
      const made = (await engine.history(instanceId)).find((h) => h.type === 'decision.made');
      expect(made?.detail).to.deep.equal({ took: ['t_yes'], labels: ['Yes, complete'] });
    });

    it('takes the unnamed branch when the person chooses the target activity name', async () => {
      const { instanceId, next } = await decide('ask for missing papers');
      expect(next).to.deep.equal(['ask']);
      const made = (await engine.history(instanceId)).find((h) => h.type === 'decision.made');
      expect(made?.detail).to.deep.equal({ took: ['t_no'], labels: ['Ask for missing papers'] });
    });
  });
});
