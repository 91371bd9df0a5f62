import { expect } from 'chai';
import { HandlerRegistry, WorkflowEngine } from '../../src/engine';
import { RegistryClient, SelfRegistration } from '../../src/binding';
import { serve } from '../../src/app';
import { end, flow, manual, pkg, process, start } from '../support/definition-builder';
import { LogCapture } from '../services/support';
import { Federation, passwordOf } from '../binding/support';
import { createTestStore } from '../support/test-store';

/**
 * Issue 17: after a deploy the registry's capabilities (who performs which activity) changed only
 * at the next lease refresh, up to 30 s later, so a client discovering the performer of a new
 * activity through UDDI right after the deploy found nobody. A serving department now registers
 * again before the deploy returns.
 */
describe('regression: a deploy returns only once the registry lists its new capabilities (issue 17)', function () {
  this.timeout(60_000);
  let f: Federation;

  before(async () => {
    f = await Federation.open();
    await f.publisher('fire');
  });
  after(async () => {
    await f?.close();
  });

  it('discovers the performer of a newly deployed activity through UDDI Inquiry immediately after deploy returns', async () => {
    const store = f.store.kind === 'mysql' ? f.store : await createTestStore();
    const engine = new WorkflowEngine({ store, handlers: new HandlerRegistry(), department: 'fire' });
    const logs = new LogCapture();
    // A refresh far in the future: only the deploy itself can bring the registry up to date in time.
    const registration = new SelfRegistration({ registry: new RegistryClient({ baseUrl: f.url }), user: 'fire', password: passwordOf('fire'), department: 'fire', keys: f.keys, refreshSeconds: 3600, engine, log: logs.logger });
    const stop = new AbortController();
    let listening!: (url: string) => void;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const served = serve(engine, { log: logs.logger, host: '127.0.0.1', port: 0, signal: stop.signal, registration, onListening: listening });
    try {
      await url;
      await registration.whenRegistered();
      const inquiry = new RegistryClient({ baseUrl: f.url });
      const performers = async (capability: string) =>
        (await inquiry.findService({ categoryBag: { keyedReferences: [{ tModelKey: f.keys.category('capability'), keyValue: capability }], keyedReferenceGroups: [] }, maxRows: 10 })).items.map((s) => s.businessKey);
      expect(await performers('licence_inspection/inspect_premises'), 'nobody performs it before the deploy').to.deep.equal([]);

      await engine.deploy(
        pkg(
          process('licence_inspection', {
            activities: [start(), manual('inspect_premises', 'inspector', { department: 'fire' }), end()],
            transitions: [flow('start', 'inspect_premises'), flow('inspect_premises', 'end')],
          }),
        ),
      );
      expect(await performers('licence_inspection/inspect_premises')).to.deep.equal([f.keys.department('fire')]);
    } finally {
      stop.abort();
      await served;
      if (store !== f.store) await store.close();
    }
  });
});
