import { expect } from 'chai';
import { WorkflowEngine, EngineError, type Store } from '../../src/engine';
import { openStore } from '../../src/persistence';
import { createTypeormTestStore, testDatabaseConfig, testDatabaseKind } from '../support/test-store';
import { end, field, flow, manual, pkg, process, start } from '../support/definition-builder';
import { envelope, post, PS_NS, startTestServer, type TestServer } from '../services/support';

const licence = pkg(process('key_licence', {
  fields: [field('applicantId', 'STRING')],
  activities: [start(), manual('review', 'clerk'), end()],
  transitions: [flow('start', 'review'), flow('review', 'end')],
}));

/**
 * Reported (issue 13): "59 of 59 starts whose reply timed out had created their case, and a
 * retrying client made 59 duplicates". StartProcess now takes a client key, unique per process in
 * the database: a retry — on another replica, even while the first start still runs — answers the
 * case the first made. Two engines on one database (MariaDB with INTERFLOW_TEST_DB, else one
 * SQLite file) stand for two replicas behind a load balancer.
 */
describe(`regression: 59 timed-out starts retried made 59 duplicates (client key, ${testDatabaseKind()})`, function () {
  this.timeout(120_000);
  let storeA: Store;
  let storeB: Store;
  let a: WorkflowEngine;
  let b: WorkflowEngine;

  before(async () => {
    const config = testDatabaseConfig();
    storeA = await createTypeormTestStore(config);
    storeB = await openStore(config, { migrate: true, allowMemory: true });
    a = new WorkflowEngine({ store: storeA });
    b = new WorkflowEngine({ store: storeB });
    await a.deploy(licence);
  });
  after(async () => {
    await storeA?.close();
    await storeB?.close();
  });

  it('59 starts, each retried at once on the other replica while the first still runs, make 59 cases', async () => {
    const keys = Array.from({ length: 59 }, (_, i) => `REQ-${i + 1}`);
    const pairs = await Promise.all(
      keys.map((clientKey, i) =>
        Promise.all([
          a.startProcess('key_licence', { clientKey, actor: 'clerk', data: { applicantId: `A-${i}` } }),
          b.startProcess('key_licence', { clientKey, actor: 'clerk', data: { applicantId: `A-${i}` } }),
        ]),
      ),
    );
    for (const [first, retry] of pairs) {
      expect(retry.id).to.equal(first.id, 'the retry answers the case the first start made');
      expect([first.existing ?? false, retry.existing ?? false].sort()).to.deep.equal([false, true], 'exactly one of the two started it');
    }
    expect(new Set(pairs.map(([x]) => x.id)).size).to.equal(59);
    expect((await a.listInstances({ processId: 'key_licence' })).total).to.equal(59, 'no duplicates');
    expect((await b.worklist({})).filter((w) => pairs.some(([x]) => x.id === w.instanceId))).to.have.length(59, 'one review per case');
  });

  it('a later retry finds the case too, and ListProcessInstances finds it by its key', async () => {
    const first = await a.startProcess('key_licence', { clientKey: 'REQ-late', actor: 'clerk' });
    const again = await b.startProcess('key_licence', { clientKey: 'REQ-late', actor: 'clerk', data: { applicantId: 'ignored' } });
    expect(again).to.include({ id: first.id, existing: true });
    expect(again.data.applicantId).to.equal(null, "a retry's data are not applied: the first start's stand");
    const found = await b.listInstances({ processId: 'key_licence', clientKey: 'REQ-late' });
    expect(found.items.map((i) => [i.id, i.clientKey])).to.deep.equal([[first.id, 'REQ-late']]);
  });

  it("another starter's key is refused (CONFLICT), without telling the case", async () => {
    const mine = await a.startProcess('key_licence', { clientKey: 'REQ-shared', actor: 'clerk' });
    const err = await b.startProcess('key_licence', { clientKey: 'REQ-shared', actor: 'someone-else' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EngineError);
    expect((err as EngineError).code).to.equal('CONFLICT');
    expect((err as Error).message).to.not.include(mine.id);
  });
});

describe('regression: StartProcess/ClientKey over SOAP (59 duplicates)', function () {
  this.timeout(30_000);
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
    await srv.engine.deploy(licence);
  });
  after(async () => srv.close());

  const startWithKey = (key: string) =>
    post(srv.endpoint, envelope('1.1', `<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>key_licence</ProcessDefinitionId><Data/><ClientKey>${key}</ClientKey></StartProcess>`));

  it('a retried start answers the same ProcessInstanceId with Created false; ListProcessInstances filters by ClientKey', async () => {
    const first = await startWithKey('BACKOFFICE-0042');
    const retry = await startWithKey('BACKOFFICE-0042');
    const id = (body: string) => /<ProcessInstanceId>([^<]+)</.exec(body)?.[1];
    expect(first.body).to.include('<Created>true</Created>');
    expect(retry.body).to.include('<Created>false</Created>');
    expect(id(retry.body)).to.equal(id(first.body));
    const list = await post(srv.endpoint, envelope('1.1', `<ListProcessInstances xmlns="${PS_NS}"><ClientKey>BACKOFFICE-0042</ClientKey></ListProcessInstances>`));
    expect(list.body).to.include('<Total>1</Total>').and.include(`<ProcessInstanceId>${id(first.body)}</ProcessInstanceId>`).and.include('<ClientKey>BACKOFFICE-0042</ClientKey>');
  });

  it('refuses a key longer than 255 characters with a Client fault naming the element', async () => {
    const res = await startWithKey('k'.repeat(256));
    expect(res.status).to.equal(500);
    expect(res.body).to.include('soap:Client').and.include('StartProcess/ClientKey: is 256 characters long');
  });
});
