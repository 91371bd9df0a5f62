import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WorkflowEngine, type HandOver, type Store } from '../../src/engine';
import type { RunningServer } from '../../src/services/http';
import { createServer } from '../../src/app';
import { wfxmlServices } from '../../src/services/wfxml';
import { importXpdl } from '../../src/xpdl';
import { createTestStore } from '../support/test-store';
import { LogCapture, PS_PATH } from './support';

export const LICENCE_XPDL = resolve(__dirname, '../../examples/business-licence.xpdl');

/**
 * The business licence's market and fire departments as two engines (one store, as on MySQL every
 * store of a suite is one database), with fire's ProcessService and Wf-XML services on a real
 * server: what a fire back office sees once market has handed it "Inspect premises".
 */
export interface LicenceDepartments {
  store: Store;
  market: WorkflowEngine;
  fire: WorkflowEngine;
  fireUrl: string;
  fireEndpoint: string;
  /** Starts a market case and walks it to the hand-over; returns market's case id and fire's performing instance. */
  handOverToFire(applicantId: string): Promise<{ caseId: string; performingId: string }>;
  close(): Promise<void>;
}

export async function startLicenceDepartments(): Promise<LicenceDepartments> {
  const store = await createTestStore();
  const market = new WorkflowEngine({ store, department: 'market' });
  const fire = new WorkflowEngine({ store, department: 'fire' });
  await market.deploy(importXpdl(readFileSync(LICENCE_XPDL, 'utf8')));
  const server = createServer(fire, { log: new LogCapture().logger, services: wfxmlServices(fire) });
  const running: RunningServer = await server.listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 2000 });
  return {
    store,
    market,
    fire,
    fireUrl: running.url,
    fireEndpoint: running.url + PS_PATH,
    async handOverToFire(applicantId) {
      let c = await market.startProcess('business_licence', { data: { applicantId } });
      c = await market.completeWorkItem(c.workItems[0].id, { data: { businessName: `Shop ${applicantId}`, address: '2 High St' } });
      c = await market.completeWorkItem(c.workItems[0].id, { data: { complete: 'true' } });
      const msg = (await market.outbox({ instanceId: c.id })).find((m) => m.kind === 'transfer' && m.destination === 'fire');
      if (!msg) throw new Error(`case ${c.id} handed nothing to fire`);
      const p = msg.payload as Record<string, any>;
      const h: HandOver = { itemId: msg.id, caseId: p.caseId, home: p.home, sender: p.sender, processId: p.processId, version: p.version, contentHash: p.contentHash, activityId: p.activityId, activityInstanceId: p.activityInstanceId, data: p.data };
      const receipt = await fire.acceptHandOver(h);
      return { caseId: c.id, performingId: receipt.instanceId! };
    },
    async close() {
      await running.close();
      await store.close();
    },
  };
}
