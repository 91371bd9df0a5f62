import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { importXpdl } from '../../src/xpdl';
import { departmentDataFlows, EngineError, WorkflowEngine, type ProcessDefinition } from '../../src/engine';
import { CompiledDefinition } from '../../src/engine/definition/compiled-definition';
import { createTestStore } from '../support/test-store';
import { activity, app, auto, end, field, flow, manual, pkg, process, start } from '../support/definition-builder';

const LICENCE = readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8');

function contract(def: ProcessDefinition, activityId: string) {
  const { reads, writes } = CompiledDefinition.compile(def).dataContract(activityId);
  return { reads, writes };
}

/** Data minimisation is computed from the definition alone (no database): docs/security-model.md. */
describe('data contracts: what an activity of another department reads and may write', () => {
  const licence = importXpdl(LICENCE);
  const main = licence.processes.find((p) => p.id === 'business_licence')!;
  const express = licence.processes.find((p) => p.id === 'business_licence_express')!;

  it('the business licence: tax reads the applicant and writes the taxpayer number; fire reads the address', () => {
    expect(contract(main, 'register_taxpayer')).to.deep.equal({ reads: ['applicantId'], writes: ['taxpayerId'] });
    expect(contract(main, 'inspect_premises')).to.deep.equal({ reads: ['address', 'premisesSafe'], writes: ['premisesSafe'] });
    expect(contract(express, 'x_fire_check')).to.deep.equal({ reads: ['address'], writes: ['premisesSafe'] });
  });

  it('per department: which fields reach it and which come back', () => {
    const flows = departmentDataFlows(main, CompiledDefinition.compile(main));
    expect(flows.map((f) => [f.department, f.receives, f.returns])).to.deep.equal([
      ['fire', ['address', 'premisesSafe'], ['premisesSafe']],
      ['market', ['address', 'applicantId', 'approved', 'businessName', 'complete', 'premisesSafe', 'taxpayerId'], ['address', 'approved', 'businessName', 'complete', 'licenceNo', 'rejectionReason']],
      ['tax', ['applicantId'], ['taxpayerId']],
    ]);
  });

  it('parameters: IN/INOUT actual expressions are read, OUT/INOUT targets written; expressions of the activity itself are read', () => {
    const def = process('p', {
      fields: [field('a', 'INTEGER'), field('b', 'INTEGER'), field('c', 'INTEGER'), field('n', 'INTEGER'), field('secret', 'STRING'), field('out', 'INTEGER'), field('io', 'INTEGER')],
      applications: [app('calc', { formalParameters: [{ id: 'x', mode: 'IN', type: 'INTEGER' }, { id: 'y', mode: 'OUT', type: 'INTEGER' }, { id: 'z', mode: 'INOUT', type: 'INTEGER' }] })],
      activities: [
        start(),
        activity('work', 'automatic', {
          department: 'other',
          application: { id: 'calc', parameters: [{ formal: 'x', actual: 'a + b', direction: 'IN' }, { formal: 'y', actual: 'out', direction: 'OUT' }, { formal: 'z', actual: 'io', direction: 'INOUT' }] },
          multiInstance: { count: 'n', ordering: 'parallel', completionCondition: 'nrOfCompletedInstances >= c' },
        }),
        end(),
      ],
      transitions: [flow('start', 'work'), flow('work', 'end')],
    });
    expect(contract(def, 'work')).to.deep.equal({ reads: ['a', 'b', 'c', 'io', 'n'], writes: ['io', 'out'] });
  });

  it('a handler without parameters or script gets only what the activity declares, never the whole case', () => {
    const def = process('p', {
      fields: [field('seen', 'STRING'), field('edited', 'STRING'), field('secret', 'STRING')],
      applications: [app('opaque')],
      activities: [start(), auto('work', 'opaque', { department: 'other', views: ['seen'], updates: ['edited'] }), end()],
      transitions: [flow('start', 'work'), flow('work', 'end')],
    });
    expect(contract(def, 'work')).to.deep.equal({ reads: ['edited', 'seen'], writes: ['edited'] });
  });

  it('names that are not data fields (loop counters, functions) are not fields to send', () => {
    const def = process('p', {
      fields: [field('total', 'INTEGER')],
      applications: [app('sum', { script: 'if (loopCounter > 0) { total = total + 1 }' })],
      activities: [start(), auto('work', 'sum', { department: 'other' }), end()],
      transitions: [flow('start', 'work'), flow('work', 'end')],
    });
    expect(contract(def, 'work')).to.deep.equal({ reads: ['total'], writes: ['total'] });
  });
});

describe('definition ownership: only the definer publishes new versions', () => {
  const v1 = pkg(process('shared', {
    activities: [start(), manual('a', 'x', { department: 'market' }), manual('b', 'y', { department: 'tax' }), end()],
    transitions: [flow('start', 'a'), flow('a', 'b'), flow('b', 'end')],
  }));
  const v2 = { ...v1, processes: [{ ...v1.processes[0], name: 'shared, second version' }] };

  it('the department that first publishes a process owns it; another department may not publish a new version, the owner may', async () => {
    const store = await createTestStore();
    try {
      const tax = new WorkflowEngine({ store, department: 'tax' });
      await tax.deploy(v1, { source: '<xpdl/>', publishedBy: 'market' });
      expect((await tax.getDefinition('shared')).owner).to.equal('market');
      const refused = await tax.deploy(v2, { source: '<xpdl/>', publish: true }).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(EngineError);
      expect((refused as Error).message).to.match(/^not authorised: process "shared" was defined by department market; only market publishes new versions/);
      await tax.deploy(v1, { source: '<xpdl/>', publish: true }); // identical content: nothing to refuse
      expect((await tax.listDefinitions()).length).to.equal(1);
      const [r] = await tax.deploy(v2, { source: '<xpdl/>', publishedBy: 'market' });
      expect(r).to.include({ created: true, version: 2 });
      expect((await tax.getDefinition('shared', 2)).owner).to.equal('market');
      const locally = await tax.deploy({ ...v2, processes: [{ ...v2.processes[0], name: 'tax local copy' }] }, { source: '<xpdl/>' });
      expect(locally[0].created).to.equal(true, 'a local administrator may still deploy on its own engine');
      expect((await tax.getDefinition('shared')).owner).to.equal('market', 'which does not change who owns it');
    } finally {
      await store.close();
    }
  });
});
