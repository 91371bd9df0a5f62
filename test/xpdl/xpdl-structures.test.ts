import { expect } from 'chai';
import { WorkflowEngine, ManualClock, InstanceStates, type Store, type DefinitionPackage, type InstanceView } from '../../src/engine';
import { exportXpdl, importXpdl, XpdlImportError } from '../../src/xpdl';
import { createTestStore } from '../support/test-store';
import { readFixture, withoutWarnings } from './xpdl-test-support';

/**
 * Issue 12 (part B): blocks, boundary and Link events, and what BPMN tools export — each from a
 * small definition of the project's own (test/fixtures/xpdl/structures), deployed and driven to
 * its end; every process exports to XPDL 2.1 and re-imports unchanged (the schema check is in
 * xpdl-structures-schema.reference.test.ts).
 */
describe('XPDL structures: blocks, boundary events, links, BPMN-tool exports', () => {
  let store: Store;
  let engine: WorkflowEngine;
  let clock: ManualClock;
  const DAY = 24 * 3600 * 1000;

  before(async () => {
    store = await createTestStore();
    clock = new ManualClock(Date.UTC(2026, 11, 2, 9, 0, 0));
    engine = new WorkflowEngine({ store, clock });
  });
  after(async () => store.close());

  const read = (name: string): DefinitionPackage => importXpdl(readFixture(`structures/${name}`));

  async function complete(instanceId: string, activityId: string, data?: Record<string, unknown>): Promise<InstanceView> {
    const item = (await engine.worklist({ instanceId })).find((i) => i.activityId === activityId);
    expect(item, `an open work item for ${activityId}`).to.exist;
    return engine.completeWorkItem(item!.id, { data, actor: 'tester' });
  }
  const open = async (instanceId: string): Promise<string[]> => (await engine.worklist({ instanceId })).map((i) => i.activityId).sort();

  /** Every process, exported on its own (as `interflow export` does), re-imports to the same definition. */
  function roundTrips(pkg: DefinitionPackage): void {
    for (const p of pkg.processes) {
      const single: DefinitionPackage = { id: pkg.id, ...(pkg.name ? { name: pkg.name } : {}), processes: [p], warnings: [] };
      const back = importXpdl(exportXpdl(single, { created: '2026-12-02T00:00:00Z' }));
      expect(withoutWarnings(back).processes, `process "${p.id}" re-imports unchanged`).to.deep.equal([p]);
    }
  }

  describe('BlockActivity and ActivitySets', () => {
    it('imports the sets into the process, marked with their set, and the blocks with their set and start', () => {
      const [grant] = read('blocks.xpdl').processes;
      expect(grant.activitySets).to.deep.equal([{ id: 'assessment', name: 'Assessment round' }, { id: 'opinion', name: 'Opinion' }]);
      const byId = new Map(grant.activities.map((a) => [a.id, a]));
      expect(byId.get('assessment_block')).to.deep.include({ kind: 'block', block: { activitySetId: 'assessment' } });
      expect(byId.get('assessment_block')?.loop).to.deep.equal({ condition: 'score < 10', testBefore: false, maximum: 5 });
      expect(byId.get('opinion_block')).to.deep.include({ kind: 'block', activitySet: 'assessment', block: { activitySetId: 'opinion', startActivityId: 'ask_expert' } });
      expect(byId.get('register')?.activitySet).to.equal(undefined);
      expect(grant.transitions.find((t) => t.id === 'o1')?.activitySet).to.equal('opinion');
      roundTrips(read('blocks.xpdl'));
    });

    it('runs the blocks in the same case: nested, entered at StartActivityId, repeated by the loop, then the outer flow continues', async () => {
      await engine.deploy(read('blocks.xpdl'));
      const inst = await engine.startProcess('grant');
      await complete(inst.id, 'register');
      // Round 1: the script in the block counted it, the nested block starts at ask_expert (not at not_here).
      expect(await open(inst.id)).to.deep.equal(['ask_expert']);
      expect((await engine.getInstance(inst.id)).data.rounds).to.equal(1);
      await complete(inst.id, 'ask_expert');
      await complete(inst.id, 'second_look');
      await complete(inst.id, 'assess', { score: 4 });
      // score < 10: the whole assessment block runs again, on the same data.
      expect(await open(inst.id)).to.deep.equal(['ask_expert']);
      expect((await engine.getInstance(inst.id)).data.rounds).to.equal(2);
      // A terminate end inside the nested block ends only that block: the round goes on with assess.
      await complete(inst.id, 'ask_expert', { skipped: true });
      expect(await open(inst.id)).to.deep.equal(['assess']);
      await complete(inst.id, 'assess', { score: 12 });
      expect(await open(inst.id)).to.deep.equal(['notify']);
      const done = await complete(inst.id, 'notify');
      expect(done.state).to.equal(InstanceStates.completed);
      const history = await engine.history(inst.id);
      expect(history.filter((h) => h.type === 'block.completed').map((h) => h.activityId)).to.deep.equal([
        'opinion_block', 'assessment_block', 'opinion_block', 'assessment_block',
      ]);
      expect(history.some((h) => h.type === 'workitem.created' && h.activityId === 'not_here')).to.equal(false);
    });

    it('a block over an empty activity set (a collapsed sub-process never detailed) completes at once, with a warning', async () => {
      const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://www.wfmc.org/2008/XPDL2.1" Id="collapsed" Name="Collapsed">
  <PackageHeader><XPDLVersion>2.1</XPDLVersion><Vendor>Interflow tests</Vendor><Created>2026-12-02</Created></PackageHeader>
  <WorkflowProcesses><WorkflowProcess Id="collapsed"><ProcessHeader/>
    <ActivitySets><ActivitySet Id="later"/></ActivitySets>
    <Activities>
      <Activity Id="start"><Event><StartEvent Trigger="None"/></Event></Activity>
      <Activity Id="to_detail_later"><BlockActivity ActivitySetId="later" View="COLLAPSED"/></Activity>
      <Activity Id="after"><Implementation><No/></Implementation></Activity>
    </Activities>
    <Transitions><Transition Id="t1" From="start" To="to_detail_later"/><Transition Id="t2" From="to_detail_later" To="after"/></Transitions>
  </WorkflowProcess></WorkflowProcesses>
</Package>`;
      const pkg = importXpdl(xml);
      expect(pkg.warnings).to.include('activity set "later" of process "collapsed" has no activities; a block running it completes at once');
      roundTrips(pkg);
      await engine.deploy(pkg);
      const inst = await engine.startProcess('collapsed');
      expect(await open(inst.id)).to.deep.equal(['after']);
    });

    it('refuses a block over a set the process does not declare, and a set that contains its own block', async () => {
      const xml = readFixture('structures/blocks.xpdl');
      expect(() => importXpdl(xml.replace('ActivitySetId="opinion"', 'ActivitySetId="nowhere"')))
        .to.throw(XpdlImportError, /BlockActivity in Activity "opinion_block" \(process "grant"\): the block runs activity set "nowhere", which the process does not declare/);
      const recursive = importXpdl(xml.replace('ActivitySetId="opinion" StartActivityId="ask_expert"', 'ActivitySetId="assessment"'));
      let refusal: Error | undefined;
      await engine.deploy(recursive).catch((e: Error) => (refusal = e));
      expect(refusal?.message).to.match(/Activity "opinion_block" runs activity set "assessment", which contains the block itself/);
    });
  });

  describe('boundary events', () => {
    let pkg: DefinitionPackage;
    before(() => {
      pkg = read('boundary-events.xpdl');
    });

    it('maps them onto the activity they are attached to: deadlines and exception flows', () => {
      const [licence] = pkg.processes;
      const byId = new Map(licence.activities.map((a) => [a.id, a]));
      for (const gone of ['check_failed', 'review_overdue', 'review_reminder', 'filing_failed', 'withdrawn_by_applicant']) expect(byId.has(gone), gone).to.equal(false);
      expect(byId.get('review')?.deadlines).to.deep.equal([
        { duration: 'P2D', exceptionName: 'review_overdue', synchronous: true },
        { duration: 'P1D', exceptionName: 'review_reminder', synchronous: false },
      ]);
      const exception = (id: string) => licence.transitions.find((t) => t.id === id);
      expect(exception('t3')).to.deep.equal({ id: 't3', from: 'check', to: 'fix_record', kind: 'exception', condition: 'error:E42' });
      expect(exception('t7')).to.deep.include({ from: 'review', kind: 'exception', condition: 'review_overdue' });
      expect(exception('t13')).to.deep.include({ from: 'file', kind: 'exception', condition: 'error:*' });
      expect(exception('t17')).to.deep.include({ from: 'await_pickup', kind: 'exception', condition: 'message:withdrawn' });
      roundTrips(pkg);
    });

    it('an error with the caught code, a reminder that does not interrupt, an escalation that does, a failure inside a block, a message', async () => {
      let checks = 0;
      engine.handlers.register('registry_check', () => {
        checks += 1;
        throw Object.assign(new Error('record locked'), { code: 'E42' });
      });
      engine.handlers.register('archive', () => {
        throw new Error('archive offline');
      });
      await engine.deploy(pkg);
      const inst = await engine.startProcess('licence');
      // The registry fault E42 went to the error event's flow, not to an incident.
      expect(checks).to.equal(1);
      expect(await open(inst.id)).to.deep.equal(['fix_record']);
      await complete(inst.id, 'fix_record');
      expect(await open(inst.id)).to.deep.equal(['review']);
      clock.advance(DAY + 1000);
      await engine.fireDueTimers();
      // The non-interrupting reminder leaves the review where it is.
      expect(await open(inst.id)).to.deep.equal(['remind', 'review']);
      await complete(inst.id, 'remind');
      clock.advance(DAY);
      await engine.fireDueTimers();
      // The interrupting timer withdrew the review and escalated; the archive fails inside the block
      // later, and the block's error event takes it.
      expect(await open(inst.id)).to.deep.equal(['escalate']);
      await complete(inst.id, 'escalate');
      expect(await open(inst.id)).to.deep.equal(['file_by_hand']);
      await complete(inst.id, 'file_by_hand');
      expect(await open(inst.id)).to.deep.equal(['await_pickup']);
      const done = await engine.deliverMessage(inst.id, 'withdrawn', { reason: 'moved away' });
      expect(done.state).to.equal(InstanceStates.completed);
      expect(done.data.reason).to.equal('moved away');
      const history = await engine.history(inst.id);
      expect(history.filter((h) => h.type === 'activity.errorCaught').map((h) => [h.activityId, h.detail?.caughtBy])).to.deep.equal([
        ['check', 'check'],
        ['archive_it', 'file'],
      ]);
      expect(history.some((h) => h.type === 'activity.failed')).to.equal(false);
      expect(history.find((h) => h.type === 'activity.interrupted')).to.deep.include({ activityId: 'await_pickup' });
    });

    it('a failure whose code no error event catches stays an incident', async () => {
      engine.handlers.register('registry_check', () => {
        throw Object.assign(new Error('no such record'), { code: 'E404' });
      });
      const inst = await engine.startProcess('licence');
      const view = await engine.getInstance(inst.id);
      expect(view.state).to.equal(InstanceStates.running);
      const history = await engine.history(inst.id);
      expect(history.find((h) => h.type === 'activity.failed')).to.deep.include({ activityId: 'check' });
    });

    it('reads a boundary timer\'s time from a Deadline of the event when TriggerTimer is empty (TIBCO Business Studio)', () => {
      const xml = readFixture('structures/boundary-events.xpdl');
      const tibco = xml.replace(
        '<TriggerTimer><TimeCycle>P2D</TimeCycle></TriggerTimer></IntermediateEvent></Event>',
        '<TriggerTimer/></IntermediateEvent></Event><Deadline><DeadlineDuration>P2D</DeadlineDuration></Deadline>',
      );
      expect(tibco).to.not.equal(xml);
      const review = importXpdl(tibco).processes[0].activities.find((a) => a.id === 'review');
      expect(review?.deadlines?.[0]).to.deep.equal({ duration: 'P2D', exceptionName: 'review_overdue', synchronous: true });
      expect(() => importXpdl(xml.replace('<TriggerTimer><TimeCycle>P2D</TimeCycle></TriggerTimer>', '<TriggerTimer/>')))
        .to.throw(XpdlImportError, /review_overdue.*the boundary timer gives no time/);
    });

    it('refuses boundary events it cannot honour, by name', () => {
      const xml = readFixture('structures/boundary-events.xpdl');
      expect(() => importXpdl(xml.replace('Trigger="Message" Target="await_pickup"', 'Trigger="Compensation" Target="await_pickup"')))
        .to.throw(XpdlImportError, /IntermediateEvent in Activity "withdrawn_by_applicant" \(process "licence"\): boundary events with Trigger "Compensation" are not supported/);
      expect(() => importXpdl(xml.replace('Trigger="Message" Target="await_pickup"', 'Trigger="Message" Target="await_pickup" Interrupting="false"')))
        .to.throw(XpdlImportError, /withdrawn_by_applicant.*non-interrupting message boundary events are not supported/);
      expect(() => importXpdl(xml.replace('<TimeCycle>P2D</TimeCycle>', '<TimeCycle>next Monday</TimeCycle>')))
        .to.throw(XpdlImportError, /review_overdue.*"next Monday" is not a duration/);
      expect(() => importXpdl(xml.replace('Target="check"', 'Target="nothing"')))
        .to.throw(XpdlImportError, /check_failed.*attached to "nothing", which is not an activity of process "licence"/);
    });
  });

  describe('error end events', () => {
    it('an error end inside a block is caught by the block\'s error event of that code; the hearing that upholds goes on', async () => {
      const pkg = read('error-end-events.xpdl');
      const rejected = pkg.processes[0].activities.find((a) => a.id === 'rejected');
      expect(rejected).to.deep.include({ kind: 'end', error: { code: 'REJECTED' }, activitySet: 'hearing_set' });
      roundTrips(pkg);
      await engine.deploy(pkg);
      const refused = await engine.startProcess('appeal');
      await complete(refused.id, 'hear');
      expect(await open(refused.id)).to.deep.equal(['write_refusal']);
      expect((await complete(refused.id, 'write_refusal')).state).to.equal(InstanceStates.completed);
      const caught = (await engine.history(refused.id)).find((h) => h.type === 'activity.errorCaught');
      expect(caught).to.deep.include({ activityId: 'rejected' });
      expect(caught?.detail).to.deep.include({ code: 'REJECTED', caughtBy: 'hearing' });
      const upheld = await engine.startProcess('appeal');
      await complete(upheld.id, 'hear', { upheld: true });
      expect(await open(upheld.id)).to.deep.equal(['grant']);
    });

    it('an error end nothing catches ends the case aborted, saying so', async () => {
      const inst = await engine.startProcess('uncaught');
      const after = await complete(inst.id, 'check');
      expect(after.state).to.equal(InstanceStates.aborted);
      const aborted = (await engine.history(inst.id)).find((h) => h.type === 'instance.aborted');
      expect(String(aborted?.detail?.reason)).to.match(/error end event "broken" raised an error, and no boundary error event catches it/);
    });
  });

  describe('signal events', () => {
    it('a thrown signal interrupts the activity that catches it and releases the branch waiting for it', async () => {
      const pkg = read('signal-events.xpdl');
      const [order, shift] = pkg.processes;
      const byId = new Map(order.activities.map((a) => [a.id, a]));
      expect(byId.get('cancel_order')).to.deep.include({ kind: 'route', signal: 'cancel' });
      expect(byId.get('on_cancel')).to.deep.include({ kind: 'receive', message: 'signal:cancel' });
      expect(order.transitions.find((t) => t.id === 't6')).to.deep.include({ from: 'pack', kind: 'exception', condition: 'signal:cancel' });
      expect(shift.activities.find((a) => a.id === 'shift_over')).to.deep.include({ kind: 'end', signal: 'stop' });
      roundTrips(pkg);
      await engine.deploy(pkg);
      const inst = await engine.startProcess('order');
      expect(await open(inst.id)).to.deep.equal(['customer_call', 'pack']);
      await complete(inst.id, 'customer_call');
      expect(await open(inst.id)).to.deep.equal(['refund', 'unpack']);
      await complete(inst.id, 'unpack');
      expect((await complete(inst.id, 'refund')).state).to.equal(InstanceStates.completed);
      const thrown = (await engine.history(inst.id)).find((h) => h.type === 'signal.thrown');
      expect(thrown?.detail).to.deep.equal({ signal: 'cancel', caughtBy: ['pack', 'on_cancel'] });
    });

    it('an end event that throws a signal stops the activity catching it', async () => {
      const inst = await engine.startProcess('shift');
      const after = await complete(inst.id, 'clock_out');
      expect(after.state).to.equal(InstanceStates.completed);
      const history = await engine.history(inst.id);
      expect(history.some((h) => h.type === 'workitem.withdrawn' && h.activityId === 'patrol')).to.equal(true);
      expect(history.some((h) => h.type === 'activity.completed' && h.activityId === 'stopped')).to.equal(true);
    });
  });

  describe('Link events', () => {
    it('a throw continues at the catch of the same name', async () => {
      const pkg = read('link-events.xpdl');
      const link = pkg.processes[0].transitions.find((t) => t.from === 'to_page_two');
      expect(link).to.deep.equal({ id: 'to_page_two__link', from: 'to_page_two', to: 'from_page_one', kind: 'normal', name: 'page2' });
      roundTrips(pkg);
      await engine.deploy(pkg);
      const inst = await engine.startProcess('intake');
      await complete(inst.id, 'receive_form');
      expect(await open(inst.id)).to.deep.equal(['check_form']);
      expect((await complete(inst.id, 'check_form')).state).to.equal(InstanceStates.completed);
    });

    it('refuses a throw with no catch, and a catch nobody throws to, by name', () => {
      const xml = readFixture('structures/link-events.xpdl');
      expect(() => importXpdl(xml.replace('CatchThrow="CATCH" Name="page2"', 'CatchThrow="CATCH" Name="page3"')))
        .to.throw(XpdlImportError, /IntermediateEvent in Activity "from_page_one" \(process "intake"\): no throwing Link event named "page3"/);
      const noCatch = xml.replace(/<Activity Id="from_page_one"[\s\S]*?<\/Activity>/, '').replace('<Transition Id="t3" From="from_page_one" To="check_form"/>', '');
      expect(() => importXpdl(noCatch)).to.throw(XpdlImportError, /IntermediateEvent in Activity "to_page_two" \(process "intake"\): no catching Link event named "page2"/);
    });
  });

  describe('what BPMN tools export', () => {
    it('skips the empty main pool with a warning, reads LoopType="None" as no loop, keeps non-ASCII ids, names the entry', () => {
      const pkg = read('bpmn-tool-export.xpdl');
      expect(pkg.processes.map((p) => p.id)).to.deep.equal(['prüfung', 'antrag']);
      expect(pkg.warnings).to.include('process "main_process" ("Main Process") has no activities; it was skipped');
      expect(pkg.entry).to.equal('antrag');
      for (const p of pkg.processes) for (const a of p.activities) expect(a.loop, a.id).to.equal(undefined);
      roundTrips(pkg);
    });

    it('deploys both pools although they use the same activity ids, and runs the entry with its subprocess', async () => {
      await engine.deploy(read('bpmn-tool-export.xpdl'));
      const inst = await engine.startProcess('antrag');
      await complete(inst.id, 'aufgabe_1');
      const [child] = (await engine.listInstances({ parentInstanceId: inst.id })).items;
      expect(child.processId).to.equal('prüfung');
      expect((await complete(child.id, 'aufgabe_1')).state).to.equal(InstanceStates.completed);
      expect((await engine.getInstance(inst.id)).state).to.equal(InstanceStates.completed);
    });

    it('calls several Tools of one activity in order, each with its own parameters', async () => {
      const pkg = read('several-tools.xpdl');
      const [activity] = pkg.processes[0].activities;
      expect(activity.application?.id).to.equal('stamper');
      expect(activity.furtherApplications).to.deep.equal([
        { id: 'filer', parameters: [{ formal: 'what', actual: 'stamp', direction: 'IN' }, { formal: 'ref', actual: 'filedAs', direction: 'OUT' }] },
      ]);
      roundTrips(pkg);
      const calls: string[] = [];
      engine.handlers.register('stamper', () => {
        calls.push('stamper');
        return { out: 'STAMPED-1' };
      });
      engine.handlers.register('filer', ({ input }) => {
        calls.push(`filer(${String(input.what)})`);
        return { ref: `box-7/${String(input.what)}` };
      });
      await engine.deploy(pkg);
      const done = await engine.startProcess('stamping');
      expect(calls).to.deep.equal(['stamper', 'filer(STAMPED-1)']);
      expect(done.state).to.equal(InstanceStates.completed);
      expect(done.data).to.deep.include({ stamp: 'STAMPED-1', filedAs: 'box-7/STAMPED-1' });
    });

    it('a package with no process is refused, saying what was found; a type-only package deploys nothing with a warning', () => {
      expect(() => read('no-process.xpdl')).to.throw(
        XpdlImportError,
        /^Invalid XPDL: WorkflowProcesses in package "diagram_only": nothing to deploy: its 1 WorkflowProcess element has no activities/,
      );
      const types = read('type-only.xpdl');
      expect(types.processes).to.deep.equal([]);
      expect(types.warnings).to.deep.equal(['package "shared_types" has no WorkflowProcess: it only declares TypeDeclarations, Participants; nothing was deployed']);
    });
  });
});
