import { expect } from 'chai';
import { ConcurrencyError, WorkflowEngine } from '../../src/engine';
import { openStore, type TypeormStore } from '../../src/persistence';
import { createTypeormTestStore, testDatabaseConfig } from '../support/test-store';
import { end, flow, manual, pkg, process as processDef, start } from '../support/definition-builder';

const SPARSE = ['IDX_if_instance_parent', 'IDX_if_instance_home', 'IDX_if_instance_home_department', 'UQ_if_instance_client_key'];

/**
 * Migration 1795339000001 (issue 16): on SQLite the indexes of columns most cases leave NULL hold
 * only the rows with a value, so a case without them writes no entry; lookups by a value still
 * use them and a client key is still unique per process.
 */
describe('SQLite: the indexes of sparse if_instance columns are partial', function () {
  this.timeout(60_000);
  let store: TypeormStore;
  before(function () {
    if (process.env.INTERFLOW_TEST_DB?.startsWith('mysql')) this.skip();
  });
  afterEach(async () => store?.close());

  async function indexSql(): Promise<Record<string, string>> {
    const rows = (await store.dataSource.query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'if_instance'`)) as Array<{ name: string; sql: string | null }>;
    return Object.fromEntries(rows.map((r) => [r.name, r.sql ?? '']));
  }

  async function plan(sql: string): Promise<string> {
    const rows = (await store.dataSource.query(`EXPLAIN QUERY PLAN ${sql}`)) as Array<{ detail: string }>;
    return rows.map((r) => r.detail).join('; ');
  }

  it('hold only rows with a value, and lookups by a value use them', async () => {
    store = await createTypeormTestStore();
    const sql = await indexSql();
    for (const name of SPARSE) expect(sql[name], name).to.match(/WHERE\s+"\w+" IS NOT NULL\s*$/);
    expect(sql.UQ_if_instance_client_key).to.match(/^CREATE UNIQUE INDEX/);
    expect(await plan(`SELECT id FROM if_instance WHERE parent_instance_id = 'p'`)).to.include('IDX_if_instance_parent');
    expect(await plan(`SELECT id FROM if_instance WHERE home_instance_id = 'h'`)).to.include('IDX_if_instance_home');
    expect(await plan(`SELECT id FROM if_instance WHERE home_department = 'market'`)).to.include('IDX_if_instance_home_department');
    expect(await plan(`SELECT id FROM if_instance WHERE process_id = 'p' AND client_key = 'k'`)).to.include('UQ_if_instance_client_key');
  });

  it('keep a client key unique per process, and any number of cases without one', async () => {
    store = await createTypeormTestStore();
    const engine = new WorkflowEngine({ store });
    await engine.deploy(pkg(processDef('p', { activities: [start(), manual('a'), end()], transitions: [flow('start', 'a'), flow('a', 'end')] })));
    const first = await engine.startProcess('p', { clientKey: 'k-1' });
    const again = await engine.startProcess('p', { clientKey: 'k-1' });
    expect(again.existing).to.equal(true);
    expect(again.id).to.equal(first.id);
    await engine.startProcess('p');
    await engine.startProcess('p');
    const row = { ...(await store.read((tx) => tx.findInstance(first.id)))!, id: 'other-case' };
    const duplicate = await store.transaction((tx) => tx.insertInstance(row)).then(() => undefined, (e: unknown) => e);
    expect(duplicate).to.be.instanceOf(ConcurrencyError);
    expect((await store.read((tx) => tx.listInstances({ processId: 'p' }))).total).to.equal(3);
  });

  it('are full indexes again when the migration is undone, and partial when it is re-applied', async () => {
    const config = testDatabaseConfig();
    store = await createTypeormTestStore(config);
    // Later migrations are undone first, down to this one.
    while ((await store.dataSource.query('SELECT name FROM if_migrations WHERE name = ?', ['SparseInstanceIndexes1795339000001'])).length) await store.dataSource.undoLastMigration();
    for (const name of SPARSE) expect((await indexSql())[name], name).to.not.include('WHERE');
    await store.close();
    store = await openStore(config, { migrate: true, allowMemory: true });
    for (const name of SPARSE) expect((await indexSql())[name], name).to.include('IS NOT NULL');
  });
});
