import { expect } from 'chai';
import { createLogger, createServer, loadConfig, openEngine } from '../src/app';
import { freshSqlitePath } from './support/test-store';

/**
 * The composition root wires a department as `interflow serve` does: configuration from the
 * environment, the engine on its SQLite store, the server on loopback. If any module's wiring
 * breaks, this fails first and says where.
 */
describe('smoke: a department built by the composition root (src/app)', function () {
  this.timeout(30_000);

  it('opens the store, answers /health, publishes the ProcessService contract and answers a SOAP request', async () => {
    const config = loadConfig({ INTERFLOW_DB: `sqlite:${freshSqlitePath()}`, INTERFLOW_DEPARTMENT: 'planning', INTERFLOW_LOG_LEVEL: 'silent' });
    const log = createLogger(config.logLevel);
    const engine = await openEngine(config, log);
    const running = await createServer(engine, { log }).listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 200 });
    try {
      expect(await (await fetch(`${running.url}/health`)).json()).to.deep.equal({ status: 'ok', department: 'planning' });
      const wsdl = await (await fetch(`${running.url}/services/ProcessService?wsdl`)).text();
      expect(wsdl).to.include(`location="${running.url}/services/ProcessService"`);
      const reply = await fetch(`${running.url}/services/ProcessService`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml; charset=utf-8' },
        body: '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ps:ListProcessDefinitions xmlns:ps="urn:interflow:process-service:1"/></s:Body></s:Envelope>',
      });
      expect(reply.status).to.equal(200);
      expect(await reply.text()).to.match(/ListProcessDefinitionsResponse/);
    } finally {
      await running.close();
      await engine.store.close();
    }
  });
});
