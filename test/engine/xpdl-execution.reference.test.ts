import { XPDL_SAMPLES_DIR } from '../support/shared-reference';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WorkflowEngine, ManualClock, InstanceStates, type InstanceView, type Store } from '../../src/engine';
import { importXpdl } from '../../src/xpdl';
import { createTestStore } from '../support/test-store';

const SAMPLES = XPDL_SAMPLES_DIR;
const PERMIT = resolve(__dirname, '../../examples/building-permit.xpdl');

/** Imported XPDL definitions run end to end: the interchange format is only proven by execution. */
describe('XPDL definitions run to their end', () => {
  let store: Store;
  let engine: WorkflowEngine;
  let clock: ManualClock;

  before(async () => {
    store = await createTestStore();
    clock = new ManualClock(Date.UTC(2026, 10, 21, 9, 0, 0));
    engine = new WorkflowEngine({ store, clock });
    for (const file of [resolve(SAMPLES, 'document_approval.xpdl'), PERMIT]) {
      const xml = readFileSync(file, 'utf8');
      await engine.deploy(importXpdl(xml), { source: xml });
    }
    engine.handlers.register('send_email', () => ({})).register('send_sms', () => ({}));
  });
  after(async () => store.close());

  /** Completes the open work item of `activityId` (searching the case and its subprocesses). */
  async function work(inst: InstanceView, activityId: string, data: Record<string, unknown> = {}, actor = 'user'): Promise<InstanceView> {
    const items = await engine.worklist({ instanceId: inst.id });
    const item = items.find((i) => i.activityId === activityId);
    expect(item, `open work item for ${activityId}; open: ${items.map((i) => i.activityId).join(', ')}`).to.exist;
    return engine.completeWorkItem(item!.id, { data, actor });
  }

  const openActivities = async (inst: InstanceView) => (await engine.worklist({ instanceId: inst.id })).map((i) => i.activityId).sort();

  describe('document_approval.xpdl (XPDL 2.1 reference sample)', () => {
    it('approve path: create, submit, review, final review, publish', async () => {
      let inst = await engine.startProcess('document_approval', { actor: 'author1' });
      inst = await work(inst, 'create_document', {}, 'author1');
      inst = await work(inst, 'submit_document', {}, 'author1');
      inst = await work(inst, 'review_document', { approvedByReviewer: 'true', reviewerComment: 'fine' }, 'reviewer1');
      inst = await work(inst, 'final_review_document', { approvedByPublisher: 'true', publisherComment: 'go' }, 'publisher1');
      expect(await openActivities(inst)).to.deep.equal(['publish_document']);
      inst = await work(inst, 'publish_document', {}, 'publisher1');
      expect(inst.state).to.equal(InstanceStates.completed);
      expect(inst.data).to.include({ approvedByReviewer: true, approvedByPublisher: true, reviewerComment: 'fine' });
    });

    it('reject path: the reviewer and then the publisher send it back for updates before it is published', async () => {
      let inst = await engine.startProcess('document_approval');
      inst = await work(inst, 'create_document');
      inst = await work(inst, 'submit_document');
      inst = await work(inst, 'review_document', { approvedByReviewer: 'false', reviewerComment: 'needs sources' });
      expect(await openActivities(inst)).to.deep.equal(['update_document'], 'reviewer rejection goes to update');
      inst = await work(inst, 'update_document');
      inst = await work(inst, 'submit_document');
      inst = await work(inst, 'review_document', { approvedByReviewer: 'true' });
      inst = await work(inst, 'final_review_document', { approvedByPublisher: 'false', publisherComment: 'wrong format' });
      expect(await openActivities(inst)).to.deep.equal(['update_document'], 'publisher rejection goes to update');
      inst = await work(inst, 'update_document');
      inst = await work(inst, 'submit_document');
      inst = await work(inst, 'review_document', { approvedByReviewer: 'true' });
      inst = await work(inst, 'final_review_document', { approvedByPublisher: 'true' });
      inst = await work(inst, 'publish_document');
      expect(inst.state).to.equal(InstanceStates.completed);
      const reviews = (await engine.history(inst.id)).filter((h) => h.type === 'workitem.completed' && h.activityId === 'review_document');
      expect(reviews).to.have.length(3);
    });

    it('timeout path: the 60 s review deadline runs the script application and moves to final review', async () => {
      let inst = await engine.startProcess('document_approval');
      inst = await work(inst, 'create_document');
      inst = await work(inst, 'submit_document');
      clock.advance(61_000);
      expect(await engine.fireDueTimers()).to.be.greaterThan(0);
      inst = await engine.getInstance(inst.id);
      expect(inst.data.reviewerComment).to.equal('Reviewer task timed out', 'set by the updateProcessVariable script');
      expect(await openActivities(inst)).to.deep.equal(['final_review_document']);
      inst = await work(inst, 'final_review_document', { approvedByPublisher: 'true' });
      inst = await work(inst, 'publish_document');
      expect(inst.state).to.equal(InstanceStates.completed);
    });
  });

  describe('building-permit.xpdl (AND, XOR with loop, OR with synchronising join, multi-instance, subprocess)', () => {
    async function throughReviews(inst: InstanceView, envOk: boolean, fireOk: boolean): Promise<InstanceView> {
      inst = await work(inst, 'register', {}, 'clerk1');
      expect(await openActivities(inst)).to.deep.equal(['environment_review', 'fire_review'], 'AND-split');
      inst = await work(inst, 'environment_review', { envOk: String(envOk) });
      expect(inst.waitingAt).to.deep.equal(['collect_reviews'], 'AND-join waits for the fire review');
      return work(inst, 'fire_review', { fireOk: String(fireOk) });
    }

    async function inspectAndArchive(inst: InstanceView): Promise<InstanceView> {
      const inspections = (await engine.worklist({ instanceId: inst.id })).filter((i) => i.activityId === 'site_inspection');
      expect(inspections).to.have.length(3, 'one per inspector, counted at run time');
      await engine.completeWorkItem(inspections[0].id, { actor: 'inspector1' });
      inst = await engine.completeWorkItem(inspections[1].id, { actor: 'inspector2' });
      return inst;
    }

    for (const [email, sms] of [[true, true], [true, false], [false, true]]) {
      it(`approved, notified by ${[email && 'email', sms && 'SMS'].filter(Boolean).join(' and ')}, inspected 2 of 3, archived`, async () => {
        let inst = await engine.startProcess('building_permit', {
          data: { caseRef: 'BP-1', notifyEmail: String(email), notifySms: String(sms), inspections: '3' },
        });
        inst = await throughReviews(inst, true, true);
        expect(await openActivities(inst)).to.deep.equal(['issue_permit']);
        inst = await work(inst, 'issue_permit');
        inst = await inspectAndArchive(inst);
        expect(inst.state).to.equal(InstanceStates.completed);
        expect(inst.data.archiveId).to.equal('ARC-BP-1', 'mapped out of the archive_case subprocess');
        const history = await engine.history(inst.id);
        const sent = history.filter((h) => h.type === 'activity.completed' && (h.activityId === 'send_email' || h.activityId === 'send_sms')).map((h) => h.activityId);
        expect(sent.sort()).to.deep.equal([email && 'send_email', sms && 'send_sms'].filter(Boolean));
        expect(history.filter((h) => h.type === 'activity.completed' && h.activityId === 'notified')).to.have.length(1, 'the OR-join fires once');
        expect(history.filter((h) => h.type === 'workitem.withdrawn' && h.activityId === 'site_inspection')).to.have.length(1);
      });
    }

    it('rejected reviews loop back through request_changes to register, then pass', async () => {
      let inst = await engine.startProcess('building_permit', { data: { caseRef: 'BP-2', notifyEmail: 'true', inspections: '2' } });
      inst = await throughReviews(inst, true, false);
      expect(await openActivities(inst)).to.deep.equal(['request_changes'], 'XOR otherwise branch');
      inst = await work(inst, 'request_changes', {}, 'applicant1');
      inst = await throughReviews(inst, true, true);
      inst = await work(inst, 'issue_permit');
      const inspections = (await engine.worklist({ instanceId: inst.id })).filter((i) => i.activityId === 'site_inspection');
      for (const i of inspections) inst = await engine.completeWorkItem(i.id);
      expect(inst.state).to.equal(InstanceStates.completed);
      expect(inst.data.archiveId).to.equal('ARC-BP-2');
    });

    it('records the departments of the department activities', async () => {
      const inst = await throughReviews(await engine.startProcess('building_permit', { data: { caseRef: 'BP-3', notifySms: 'true' } }), true, true);
      const history = await engine.history(inst.id);
      const started = history.filter((h) => h.type === 'activity.started' && h.detail?.department);
      expect(started.map((h) => [h.activityId, h.detail!.department])).to.deep.include.members([
        ['environment_review', 'environment'],
        ['fire_review', 'fire-safety'],
      ]);
    });
  });
});
