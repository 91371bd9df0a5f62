import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import { WorkflowEngine, type HandOver } from '../../src/engine';
import { MIGRATIONS, openStore, type TypeormStore } from '../../src/persistence';
import { importXpdl } from '../../src/xpdl';
import { createTypeormTestStore, testDatabaseConfig, testDatabaseKind } from '../support/test-store';

/**
 * Migration 1795340000001: a department takes each handed-over activity instance once, whatever
 * item id it comes under, by an inbox key per activity instance; performing instances made before
 * it get their key from their observer, so a second item for one of them is a duplicate too.
 */
describe(`migration HandOverActivityKeys on ${testDatabaseKind()}: keys the activity instances taken before it`, function () {
  this.timeout(60_000);
  let store: TypeormStore;
  after(async () => store?.close());

  const activityKeys = async (): Promise<number> => {
    const [row] = (await store.dataSource.query(`SELECT COUNT(*) AS n FROM if_inbox WHERE message_id LIKE 'hand-over:%'`)) as Array<{ n: unknown }>;
    return Number(row.n);
  };

  it('rolls back to inbox rows of item ids only, and re-applying it makes a second item for an activity instance taken before a duplicate', async () => {
    const config = testDatabaseConfig();
    store = await createTypeormTestStore(config);
    const market = new WorkflowEngine({ store, department: 'market' });
    const fire = new WorkflowEngine({ store, department: 'fire' });
    await market.deploy(importXpdl(readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8')));
    let c = await market.startProcess('business_licence', { data: { applicantId: 'MIG-2' } });
    c = await market.completeWorkItem(c.workItems[0].id, { data: { businessName: 'Old Shop', address: '3 Low St' } });
    c = await market.completeWorkItem(c.workItems[0].id, { data: { complete: 'true' } });
    const msg = (await market.outbox({ instanceId: c.id })).find((m) => m.kind === 'transfer' && m.destination === 'fire')!;
    const p = msg.payload as Record<string, any>;
    const h: HandOver = { itemId: msg.id, caseId: p.caseId, home: p.home, sender: p.sender, processId: p.processId, version: p.version, contentHash: p.contentHash, activityId: p.activityId, activityInstanceId: p.activityInstanceId, data: p.data };
    const { instanceId } = await fire.acceptHandOver(h);
    expect(await activityKeys()).to.equal(1);

    // Later migrations are undone first, down to this one.
    const position = MIGRATIONS.findIndex((m) => m.name === 'HandOverActivityKeys1795340000001');
    for (let i = MIGRATIONS.length - 1; i >= position; i--) await store.dataSource.undoLastMigration();
    expect(await activityKeys()).to.equal(0, 'as before the migration: only the item id is in the inbox');
    await store.close();

    store = await openStore(config, { migrate: true, allowMemory: true });
    expect(await activityKeys()).to.equal(1, 'the performing instance made before got its key');
    const again = new WorkflowEngine({ store, department: 'fire' });
    expect((await again.acceptHandOver({ ...h, itemId: `${h.itemId}-second` })).accepted).to.equal(false);
    expect((await again.listInstances({ homeInstanceId: c.id })).items.map((i) => i.id)).to.deep.equal([instanceId]);
  });
});
