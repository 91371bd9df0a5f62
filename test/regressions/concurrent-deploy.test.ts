import { expect } from 'chai';
import { WorkflowEngine } from '../../src/engine';
import { createTestStore } from '../support/test-store';
import { end, flow, manual, pkg, process, start } from '../support/definition-builder';

/**
 * Found in CI on MariaDB: three department engines sharing one database deployed the same package
 * at once and two failed with "Duplicate entry 'building_permit-1' for key 'PRIMARY'" — each read
 * "no version yet" and inserted version 1. Replicas taking one publish do the same.
 */
describe('regression: concurrent deploys of one package on a shared database', () => {
  it('all succeed; the definition is stored once, and a changed one gets the next version', async () => {
    const store = await createTestStore();
    try {
      const def = pkg(process('shared_once', { activities: [start(), manual('a'), end()], transitions: [flow('start', 'a'), flow('a', 'end')] }));
      const engines = ['a', 'b', 'c', 'd'].map((d) => new WorkflowEngine({ store, department: d }));
      const results = await Promise.all(engines.map((e) => e.deploy(def, { source: '<xpdl/>' })));
      expect(results.map((r) => r[0].version)).to.deep.equal([1, 1, 1, 1]);
      expect(results.filter((r) => r[0].created)).to.have.length(1);
      const changed = { ...def, processes: [{ ...def.processes[0], name: 'second' }] };
      const again = await Promise.all(engines.map((e) => e.deploy(changed, { source: '<xpdl/>' })));
      expect(again.map((r) => r[0].version)).to.deep.equal([2, 2, 2, 2]);
      expect((await engines[0].listDefinitions()).filter((d) => d.processId === 'shared_once')).to.have.length(2);
    } finally {
      await store.close();
    }
  });
});
