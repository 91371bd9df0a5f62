import { expect } from 'chai';
import type { ActivityDef, DefinitionPackage, ProcessDefinition } from '../../src/engine/definition/process-definition';
import { exportXpdl, importXpdl } from '../../src/xpdl';
import { readFixture, withoutWarnings } from './xpdl-test-support';

describe('permit-application.xpdl (the demo and engine fixture)', () => {
  let pkg: DefinitionPackage;
  let permit: ProcessDefinition;
  let act: (id: string) => ActivityDef;

  before(() => {
    pkg = importXpdl(readFixture('permit-application.xpdl'));
    permit = pkg.processes[0];
    act = (id) => {
      const found = permit.activities.find((a) => a.id === id);
      if (!found) throw new Error(`no activity "${id}"`);
      return found;
    };
  });

  it('round-trips through export', () => {
    expect(withoutWarnings(importXpdl(exportXpdl(pkg)))).to.deep.equal(withoutWarnings(pkg));
  });

  it('has the building permit and the archive processes', () => {
    expect(pkg.id).to.equal('permit_application');
    expect(pkg.processes.map((p) => p.id)).to.deep.equal(['building_permit', 'archive_case']);
  });

  it('declares three departments and three roles', () => {
    expect(permit.participants.map((p) => [p.id, p.type, p.department])).to.deep.equal([
      ['planning', 'ORGANIZATIONAL_UNIT', 'planning'],
      ['environment', 'ORGANIZATIONAL_UNIT', 'environment'],
      ['fire-safety', 'ORGANIZATIONAL_UNIT', 'fire-safety'],
      ['clerk', 'ROLE', undefined],
      ['inspector', 'ROLE', undefined],
      ['applicant', 'ROLE', undefined],
    ]);
  });

  it('declares the case data', () => {
    expect(permit.dataFields.map((f) => [f.id, f.type, f.initialValue])).to.deep.equal([
      ['caseRef', 'STRING', undefined],
      ['envOk', 'BOOLEAN', 'false'],
      ['fireOk', 'BOOLEAN', 'false'],
      ['notifyEmail', 'BOOLEAN', 'true'],
      ['notifySms', 'BOOLEAN', 'false'],
      ['inspections', 'INTEGER', '2'],
      ['archiveId', 'STRING', undefined],
    ]);
  });

  it('registers with the planning clerk, then reviews in parallel in two other departments', () => {
    expect(act('start').kind).to.equal('start');
    expect(act('register')).to.deep.include({ kind: 'manual', performers: ['clerk'], department: 'planning', join: 'xor', split: 'and' });
    expect(act('environment_review')).to.deep.include({ kind: 'manual', department: 'environment', updates: ['envOk'] });
    expect(act('fire_review')).to.deep.include({ kind: 'manual', department: 'fire-safety', updates: ['fireOk'] });
    expect(act('collect_reviews')).to.deep.include({ kind: 'route', join: 'and', split: 'none' });
  });

  it('approves or loops back through the applicant', () => {
    expect(act('approved')).to.deep.include({ kind: 'route', split: 'xor' });
    const out = permit.transitions.filter((t) => t.from === 'approved');
    expect(out.map((t) => [t.to, t.kind, t.condition])).to.deep.equal([
      ['issue_permit', 'condition', 'envOk && fireOk'],
      ['request_changes', 'otherwise', undefined],
    ]);
    expect(act('request_changes').performers).to.deep.equal(['applicant']);
    expect(permit.transitions.find((t) => t.from === 'request_changes')?.to).to.equal('register');
  });

  it('notifies by e-mail and/or SMS through registered handlers', () => {
    expect(act('notify_choice')).to.deep.include({ kind: 'route', split: 'or' });
    expect(permit.transitions.filter((t) => t.from === 'notify_choice').map((t) => [t.to, t.condition])).to.deep.equal([
      ['send_email', 'notifyEmail'],
      ['send_sms', 'notifySms'],
    ]);
    expect(act('send_email')).to.deep.include({ kind: 'automatic', application: { id: 'send_email', parameters: [{ formal: 'caseRef', actual: 'caseRef', direction: 'IN' }] } });
    expect(act('send_sms').application?.id).to.equal('send_sms');
    expect(permit.applications.map((a) => [a.id, a.handler])).to.deep.equal([
      ['send_email', 'send_email'],
      ['send_sms', 'send_sms'],
    ]);
    expect(act('notified')).to.deep.include({ kind: 'route', join: 'or' });
  });

  it('inspects the site with several inspectors, done after two', () => {
    expect(act('site_inspection')).to.deep.include({
      kind: 'manual',
      performers: ['inspector'],
      multiInstance: { count: 'inspections', ordering: 'parallel', completionCondition: 'nrOfCompletedInstances >= 2' },
    });
  });

  it('archives through a subprocess in the same package', () => {
    expect(act('archive')).to.deep.include({
      kind: 'subprocess',
      subprocess: {
        processId: 'archive_case',
        execution: 'sync',
        parameters: [
          { formal: 'caseRef', actual: 'caseRef', direction: 'IN' },
          { formal: 'archiveId', actual: 'archiveId', direction: 'OUT' },
        ],
      },
    });
    expect(act('end').kind).to.equal('end');
    const archive = pkg.processes[1];
    expect(archive.dataFields.filter((f) => f.mode).map((f) => [f.id, f.mode])).to.deep.equal([
      ['caseRef', 'IN'],
      ['archiveId', 'OUT'],
    ]);
    expect(archive.activities).to.have.length(1);
    expect(archive.activities[0]).to.deep.include({ id: 'store_archive', kind: 'automatic', application: { id: 'store_archive__script', parameters: [] } });
    expect(archive.applications.find((a) => a.id === 'store_archive__script')?.script).to.equal('archiveId = "ARC-" + caseRef');
  });
});
