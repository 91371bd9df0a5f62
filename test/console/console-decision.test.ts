import { expect } from 'chai';
import path from 'path';
import { readFileSync } from 'fs';
import { importXpdl } from '../../src/xpdl';
import { ConsoleClient, startConsoleServer, USERS, type ConsoleServer } from './support';

/** Issue 12: a decision work item (a split whose conditions are labels) in the console API. */
describe('console API: decision work items', () => {
  let srv: ConsoleServer;
  before(async () => {
    srv = await startConsoleServer();
    await srv.engine.deploy(importXpdl(readFileSync(path.resolve(__dirname, '../fixtures/xpdl/label-decision.xpdl'), 'utf8')));
  });
  after(async () => {
    await srv?.close();
  });

  it('lists the branches and takes the one the person picks', async () => {
    const inst = await srv.engine.startProcess('parts');
    const [inspect] = await srv.engine.worklist({ instanceId: inst.id });
    await srv.engine.completeWorkItem(inspect.id, {});
    const [decision] = await srv.engine.worklist({ instanceId: inst.id });
    const admin = new ConsoleClient(srv.url);
    expect((await admin.login(USERS.admin.username, USERS.admin.password)).status).to.equal(200);
    const form = await admin.get<{ item: { kind: string; activityName: string }; decision: { branches: string[]; several: boolean } }>(`/workitems/${decision.id}`);
    expect(form.body.item).to.include({ kind: 'decision', activityName: 'Parts?: choose Information available | Individualteile benötigt' });
    expect(form.body.decision).to.deep.equal({ branches: ['Information available', 'Individualteile benötigt'], several: false });
    const wrong = await admin.post(`/workitems/${decision.id}/complete`, { data: { '@branch': 'later' } });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error).to.include('"later" is not a branch here');
    expect((await admin.post(`/workitems/${decision.id}/complete`, { data: { '@branch': 'Information available' } })).status).to.equal(200);
    expect((await srv.engine.worklist({ instanceId: inst.id })).map((i) => i.activityId)).to.deep.equal(['assemble']);
  });

  it('a normal work item has no decision', async () => {
    const inst = await srv.engine.startProcess('parts');
    const [inspect] = await srv.engine.worklist({ instanceId: inst.id });
    const admin = new ConsoleClient(srv.url);
    await admin.login(USERS.admin.username, USERS.admin.password);
    expect((await admin.get<{ decision: unknown }>(`/workitems/${inspect.id}`)).body.decision).to.equal(null);
  });
});
