import { expect } from 'chai';
import { WorkflowEngine } from '../../src/engine';
import { TypeormMessageLogRepository, type TypeormStore } from '../../src/persistence';
import { MessageLog, type TransferItem } from '../../src/transfer';
import { UddiError } from '../../src/registry';
import { openTestRegistry, type TestRegistry } from '../registry/support';
import { createTypeormTestStore, testDatabaseKind } from '../support/test-store';
import { end, flow, manual, pkg, process as processDef, start } from '../support/definition-builder';
import { envelope, post, PS_NS, startTestServer, type TestServer } from '../services/support';

const keyed = pkg(processDef('keyed', { activities: [start(), manual('review', 'clerk'), end()], transitions: [flow('start', 'review'), flow('review', 'end')] }));

/**
 * Found by a probe on MariaDB: a StartProcess with ClientKey "k1 " answered the case started
 * earlier with "k1". MariaDB's utf8mb4_bin is PAD SPACE (comparisons and unique indexes ignore
 * trailing spaces); SQLite compares exactly. Keys a caller sends as is are now compared exactly on
 * both (migration ExactKeys1795341000001): client keys, inbox message ids, logged item ids and
 * registry publisher names.
 */
describe(`regression: client keys differing only by trailing spaces were one key on MariaDB (${testDatabaseKind()})`, function () {
  this.timeout(60_000);
  let store: TypeormStore;
  let engine: WorkflowEngine;

  before(async () => {
    store = await createTypeormTestStore();
    engine = new WorkflowEngine({ store });
    await engine.deploy(keyed);
  });
  after(async () => store?.close());

  it('"k1" and "k1 " start two cases, and each key finds its own', async () => {
    const plain = await engine.startProcess('keyed', { clientKey: 'k1', actor: 'clerk' });
    const spaced = await engine.startProcess('keyed', { clientKey: 'k1 ', actor: 'clerk' });
    expect(spaced.existing ?? false).to.equal(false, 'the key with a trailing space is another key');
    expect(spaced.id).to.not.equal(plain.id);
    expect((await engine.startProcess('keyed', { clientKey: 'k1 ', actor: 'clerk' })).id).to.equal(spaced.id, 'a retry with "k1 " finds its own case');
    expect((await engine.startProcess('keyed', { clientKey: 'k1', actor: 'clerk' })).id).to.equal(plain.id);
    const byKey = async (clientKey: string) => (await engine.listInstances({ processId: 'keyed', clientKey })).items.map((i) => [i.id, i.clientKey]);
    expect(await byKey('k1')).to.deep.equal([[plain.id, 'k1']]);
    expect(await byKey('k1  ')).to.deep.equal([], 'two trailing spaces are a third key, of no case');
  });

  it('inbox message ids "m1" and "m1 " are two messages, not a duplicate', async () => {
    expect(await store.transaction((tx) => tx.recordInbox('result:m1', 'market', new Date()))).to.equal(true);
    expect(await store.transaction((tx) => tx.recordInbox('result:m1 ', 'market', new Date()))).to.equal(true, 'not taken for a duplicate of result:m1');
    expect(await store.transaction((tx) => tx.recordInbox('result:m1 ', 'market', new Date()))).to.equal(false, 'its own duplicate still is one');
  });

  it('a logged message keeps items "i1" and "i1 " apart', async () => {
    const log = new MessageLog(new TypeormMessageLogRepository(store));
    const item = (itemId: string): TransferItem => ({ kind: 'result', itemId, caseId: 'case-t', activityInstanceId: 'case-t/a1', outcome: 'completed', data: {} });
    await log.record({ messageId: 'msg-t', direction: 'in', sender: 'market', receiver: 'tax', at: new Date(), outcome: 'delivered', envelope: '<e/>', items: [{ item: item('i1'), outcome: 'accepted' }, { item: item('i1 '), outcome: 'refused' }] });
    expect((await log.trace('case-t')).map((t) => `${t.itemId}|${t.outcome}`).sort()).to.deep.equal(['i1 |refused', 'i1|accepted']);
  });
});

describe(`regression: client keys differing only by trailing spaces were one key on MariaDB: over SOAP (${testDatabaseKind()})`, function () {
  this.timeout(60_000);
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
    await srv.engine.deploy(keyed);
  });
  after(async () => srv?.close());

  it('StartProcess with ClientKey "k1 " starts a case of its own, not the one of "k1"', async () => {
    const startWithKey = (key: string) =>
      post(srv.endpoint, envelope('1.1', `<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>keyed</ProcessDefinitionId><Data/><ClientKey>${key}</ClientKey></StartProcess>`));
    const id = (body: string) => /<ProcessInstanceId>([^<]+)</.exec(body)?.[1];
    const first = await startWithKey('k1');
    const second = await startWithKey('k1 ');
    expect(second.body).to.include('<Created>true</Created>');
    expect(id(second.body)).to.be.a('string').and.not.equal(id(first.body));
    expect(id((await startWithKey('k1 ')).body)).to.equal(id(second.body), 'a retry with "k1 " answers its own case');
  });

});

// Publisher names are trimmed when created, but get_authToken looked up the userID as given.
describe(`regression: client keys differing only by trailing spaces were one key on MariaDB: registry publishers (${testDatabaseKind()})`, function () {
  this.timeout(60_000);
  let reg: TestRegistry;
  before(async () => {
    reg = await openTestRegistry();
  });
  after(async () => reg?.close());

  it('get_authToken does not know publisher "alice " when only "alice" exists', async () => {
    await reg.registry.createPublisher('alice', 'correct horse battery');
    expect(await reg.registry.getAuthToken('alice', 'correct horse battery')).to.match(/^authtoken:/);
    const err = await reg.registry.getAuthToken('alice ', 'correct horse battery').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UddiError);
    expect((err as UddiError).errorCode).to.equal('E_unknownUser');
  });
});
