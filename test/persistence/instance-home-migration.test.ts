import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { WorkflowEngine, type HandOver } from '../../src/engine';
import { MIGRATIONS, openStore, type TypeormStore } from '../../src/persistence';
import { importXpdl } from '../../src/xpdl';
import { createTypeormTestStore, testDatabaseConfig, testDatabaseKind } from '../support/test-store';

/**
 * Migration 1795334000001 (issue 13) adds the home and client key columns; performing instances
 * made before it get their home department and case from their observer key, so the new worklist
 * and instance filters find them too.
 */
describe(`migration InstanceHomeClientKey on ${testDatabaseKind()}: fills the home of existing performing instances`, function () {
  this.timeout(60_000);
  let store: TypeormStore;
  after(async () => store?.close());

  it('rolls back to before the columns, and re-applying it backfills home_department and home_instance_id', async () => {
    const config = testDatabaseConfig();
    store = await createTypeormTestStore(config);
    const market = new WorkflowEngine({ store, department: 'market' });
    const fire = new WorkflowEngine({ store, department: 'fire' });
    await market.deploy(importXpdl(readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8')));
    let c = await market.startProcess('business_licence', { data: { applicantId: 'MIG-1' } });
    c = await market.completeWorkItem(c.workItems[0].id, { data: { businessName: 'Old Shop', address: '3 Low St' } });
    c = await market.completeWorkItem(c.workItems[0].id, { data: { complete: 'true' } });
    const msg = (await market.outbox({ instanceId: c.id })).find((m) => m.kind === 'transfer' && m.destination === 'fire')!;
    const p = msg.payload as Record<string, any>;
    const h: HandOver = { itemId: msg.id, caseId: p.caseId, home: p.home, sender: p.sender, processId: p.processId, version: p.version, contentHash: p.contentHash, activityId: p.activityId, activityInstanceId: p.activityInstanceId, data: p.data };
    const { instanceId } = await fire.acceptHandOver(h);

    // Undo the migrations listed after it first, then it.
    const position = MIGRATIONS.findIndex((m) => m.name === 'InstanceHomeClientKey1795334000001');
    expect(position, 'the migration is listed').to.be.greaterThan(0);
    for (let i = MIGRATIONS.length - 1; i >= position; i--) await store.dataSource.undoLastMigration();
    const queryRunner = store.dataSource.createQueryRunner();
    try {
      expect((await queryRunner.getTable('if_instance'))!.columns.map((col) => col.name)).to.not.include('home_department');
    } finally {
      await queryRunner.release();
    }
    await store.close();

    store = await openStore(config, { migrate: true, allowMemory: true });
    const after = await store.read((tx) => tx.findInstance(instanceId!));
    expect(after).to.include({ homeDepartment: 'market', homeInstanceId: c.id });
    const own = await store.read((tx) => tx.findInstance(c.id));
    expect(own!.homeDepartment).to.equal(undefined, "market's own case has no other home");
    expect((await store.read((tx) => tx.listInstances({ homeInstanceId: c.id }))).items.map((i) => i.id)).to.deep.equal([instanceId]);
  });
});
