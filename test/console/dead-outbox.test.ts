import { expect } from 'chai';
import { ConsoleClient, startConsoleServer, USERS } from './support';

/** Issue 10: an item that can never be delivered is an incident a person can see in the console. */
describe('issue 10: dead outbox rows in the console', () => {
  it('lists dead outbox rows with the reason that says what to do', async () => {
    const srv = await startConsoleServer();
    try {
      const caseId = (await srv.engine.startProcess('building_permit', { data: {}, actor: 't' })).id;
      const reason = 'dead, not retried: alone it makes a message of 2097500 bytes, over what tax accepts (HTTP 413). Make the case\'s data smaller …';
      await srv.store.transaction(async (tx) => {
        await tx.enqueueOutbox([{ id: 'poison-1', instanceId: caseId, kind: 'transfer', destination: 'tax', payload: { caseId, processId: 'building_permit', version: 1, contentHash: null, home: 'market', activityId: 'review', activityInstanceId: 'ai-1', sender: 'market', data: {} }, state: 'pending', attempts: 0, nextAttemptAt: new Date(0), createdAt: new Date() }]);
        await tx.markOutboxRetry('poison-1', reason, new Date(), true);
      });
      const c = new ConsoleClient(srv.url);
      expect((await c.login(USERS.admin.username, USERS.admin.password)).status).to.equal(200);
      const res = await c.get<{ dead: Array<{ id: string; caseId: string; destination: string; lastError: string }>; total: number }>('/outbox/dead');
      expect(res.status).to.equal(200);
      expect(res.body.total).to.equal(1);
      expect(res.body.dead[0]).to.include({ id: 'poison-1', caseId, destination: 'tax', lastError: reason });
    } finally {
      await srv.close();
    }
  });
});
