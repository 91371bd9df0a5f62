import { expect } from 'chai';
import { WorkflowEngine } from '../../src/engine';
import { MIGRATIONS, openStore, type TypeormStore } from '../../src/persistence';
import { EXACT_COLUMNS } from '../../src/persistence/migrations/1795341000001-exact-keys';
import { createTypeormTestStore, testDatabaseConfig, testDatabaseKind } from '../support/test-store';
import { end, flow, manual, pkg, process as processDef, start } from '../support/definition-builder';

/**
 * Migration 1795341000001: on MariaDB/MySQL the columns holding keys a caller sends as is get a NO
 * PAD binary collation, so "k1" and "k1 " are two keys as on SQLite (where it changes nothing).
 * Cases stored before it keep their keys, and the unique index over (process, client key) is
 * still there and still unique.
 */
describe(`migration ExactKeys on ${testDatabaseKind()}: keys compare exactly, trailing spaces included`, function () {
  this.timeout(60_000);
  let store: TypeormStore;
  after(async () => store?.close());

  const collations = async (): Promise<string[]> => {
    const rows = (await store.dataSource.query(
      `SELECT table_name AS t, column_name AS c, collation_name AS collation FROM information_schema.columns WHERE table_schema = DATABASE() AND (${EXACT_COLUMNS.map(() => '(table_name = ? AND column_name = ?)').join(' OR ')}) ORDER BY t, c`,
      EXACT_COLUMNS.flatMap(({ table, columns }) => [table, columns[0]]),
    )) as Array<{ t: string; c: string; collation: string }>;
    return rows.map((r) => `${r.t}.${r.c} ${r.collation}`);
  };

  it('a case keyed "k1" before it keeps its key, and "k1 " after it is another case; the client key stays unique', async () => {
    const config = testDatabaseConfig();
    store = await createTypeormTestStore(config);
    const position = MIGRATIONS.findIndex((m) => m.name === 'ExactKeys1795341000001');
    for (let i = MIGRATIONS.length - 1; i >= position; i--) await store.dataSource.undoLastMigration();
    const before = new WorkflowEngine({ store });
    await before.deploy(pkg(processDef('p', { activities: [start(), manual('a'), end()], transitions: [flow('start', 'a'), flow('a', 'end')] })));
    const old = await before.startProcess('p', { clientKey: 'k1' });
    const padded = await before.startProcess('p', { clientKey: 'k1 ' });
    if (testDatabaseKind() === 'mysql') {
      expect(await collations()).to.deep.equal(['if_inbox.message_id utf8mb4_bin', 'if_instance.client_key utf8mb4_bin', 'if_message_item.item_id utf8mb4_bin', 'if_uddi_publisher.username utf8mb4_bin']);
      expect(padded.id).to.equal(old.id, 'the bug, before the migration: PAD SPACE took "k1 " for "k1"');
    } else {
      expect(padded.id).to.not.equal(old.id, 'SQLite always compared exactly');
    }
    await store.close();

    store = await openStore(config, { migrate: true, allowMemory: true });
    if (testDatabaseKind() === 'mysql') {
      const [{ v }] = (await store.dataSource.query('SELECT VERSION() AS v')) as Array<{ v: string }>;
      const exact = /mariadb/i.test(v) ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
      expect(await collations()).to.deep.equal(['if_inbox.message_id', 'if_instance.client_key', 'if_message_item.item_id', 'if_uddi_publisher.username'].map((c) => `${c} ${exact}`));
      const [index] = (await store.dataSource.query(`SHOW INDEX FROM if_instance WHERE Key_name = 'UQ_if_instance_client_key' AND Column_name = 'client_key'`)) as Array<{ Non_unique: number }>;
      expect(Number(index.Non_unique)).to.equal(0, 'the unique index is still there');
    }
    const after = new WorkflowEngine({ store });
    const again = await after.startProcess('p', { clientKey: 'k1' });
    expect(again).to.include({ id: old.id, existing: true });
    const spaced = await after.startProcess('p', { clientKey: 'k1  ' });
    expect(spaced.existing ?? false).to.equal(false);
    expect(spaced.id).to.not.equal(old.id);
    const row = { ...(await store.read((tx) => tx.findInstance(old.id)))!, id: 'same-key-again' };
    expect(await store.transaction((tx) => tx.insertInstance(row)).then(() => 'inserted', (e: unknown) => (e as Error).name)).to.equal('ConcurrencyError', 'an exact duplicate key is still refused');
  });
});
