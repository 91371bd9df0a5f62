import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import express from 'express';
import { expect } from 'chai';
import pino from 'pino';
import { WorkflowEngine, HandlerRegistry } from '../../src/engine';
import { caseLogger, databaseCheck, EngineMetrics, metricsHandler, runReadiness, type ReadinessCheck } from '../../src/monitoring';
import { listen } from '../../src/services/http';
import { importXpdl } from '../../src/xpdl';
import { envelope, LogCapture, post, PS_NS, startTestServer, type TestServer } from '../services/support';
import { createTestStore } from '../support/test-store';

const PERMIT = resolve(__dirname, '../../examples/building-permit.xpdl');

/** The value of one series in Prometheus text format, or undefined when it is not exposed. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(?:\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('monitoring', () => {
  describe('GET /metrics', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer();
      const xml = readFileSync(PERMIT, 'utf8');
      await srv.engine.deploy(importXpdl(xml), { source: xml });
    });
    after(async () => srv?.close());

    const scrape = async () => {
      const res = await fetch(`${srv.url}/metrics`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.include('text/plain');
      return res.text();
    };

    it('counts SOAP requests and faults by operation and kind, with latency histograms', async () => {
      const before = await scrape();
      const count = (t: string, op: string) => sample(t, 'interflow_soap_requests_total', { service: 'ProcessService', operation: op }) ?? 0;
      const start = envelope('1.1', `<ps:StartProcess xmlns:ps="${PS_NS}"><ps:ProcessDefinitionId>building_permit</ps:ProcessDefinitionId><ps:Data/></ps:StartProcess>`);
      expect((await post(srv.endpoint, start)).status).to.equal(200);
      const missing = envelope('1.1', `<ps:StartProcess xmlns:ps="${PS_NS}"><ps:ProcessDefinitionId>nope</ps:ProcessDefinitionId><ps:Data/></ps:StartProcess>`);
      expect((await post(srv.endpoint, missing)).status, 'SOAP 1.1 faults are HTTP 500').to.equal(500);
      await post(srv.endpoint, envelope('1.1', `<ps:Whatever${Math.random().toString(36).slice(2)} xmlns:ps="${PS_NS}"/>`));
      const after = await scrape();
      expect(count(after, 'StartProcess') - count(before, 'StartProcess')).to.equal(2);
      const faults = (t: string) => sample(t, 'interflow_soap_faults_total', { service: 'ProcessService', operation: 'StartProcess', kind: 'Client', code: 'NOT_FOUND' }) ?? 0;
      expect(faults(after) - faults(before)).to.equal(1);
      // An operation the endpoint does not have is not a label: callers choose element names.
      expect(count(after, '(unknown)') - count(before, '(unknown)')).to.equal(1);
      expect(after).to.not.match(/operation="Whatever/);
      expect(sample(after, 'interflow_soap_request_duration_seconds_count', { service: 'ProcessService', operation: 'StartProcess' })).to.be.at.least(2);
      expect(after).to.match(/interflow_soap_request_duration_seconds_bucket\{le="0\.005",service="ProcessService",operation="StartProcess"\}/);
      expect(after).to.include('process_cpu_seconds_total').and.include('nodejs_eventloop_lag_seconds');
    });

    it('reads case counts by state from the engine on each scrape', async () => {
      const open = sample(await scrape(), 'interflow_cases', { state: 'open.running' }) ?? 0;
      await srv.engine.startProcess('building_permit', {});
      expect(sample(await scrape(), 'interflow_cases', { state: 'open.running' })).to.equal(open + 1);
    });

    it('exposes the transfer counter families before any transfer (a real transfer moves them: test/transfer/federation.test.ts)', async () => {
      // Nothing here increments them: the transfer dispatcher, the TransferService and the relay do.
      const text = await scrape();
      for (const name of ['interflow_transfers_sent_total', 'interflow_transfers_received_total', 'interflow_transfers_refused_total', 'interflow_transfers_retried_total']) {
        expect(text).to.include(`# TYPE ${name} counter`);
      }
    });
  });

  it('reports the outbox depth and the age of its oldest message by kind and state', async () => {
    const store = await createTestStore();
    let now = Date.parse('2030-01-01T00:00:00Z');
    const engine = new WorkflowEngine({ store, department: 'planning', clock: { now: () => new Date(now) }, handlers: new HandlerRegistry() });
    try {
      const xml = readFileSync(PERMIT, 'utf8');
      await engine.deploy(importXpdl(xml));
      const started = await engine.startProcess('building_permit', {});
      const [item] = await engine.worklist({ instanceId: started.id });
      await engine.completeWorkItem(item!.id, {});
      now += 90_000;
      const app = express();
      app.get('/metrics', metricsHandler(new EngineMetrics(engine), pino({ level: 'silent' }), undefined));
      const running = await listen(app, { host: '127.0.0.1', port: 0 });
      try {
        const text = await (await fetch(`${running.url}/metrics`)).text();
        // register is planning's own; both reviews belong to other departments and wait in the outbox.
        expect(sample(text, 'interflow_outbox_messages', { kind: 'transfer', state: 'pending' })).to.equal(2);
        expect(sample(text, 'interflow_outbox_oldest_age_seconds', { kind: 'transfer', state: 'pending' })).to.equal(90);
        expect(sample(text, 'interflow_outbox_messages', { kind: 'observer-notify', state: 'dead' })).to.equal(0);
      } finally {
        await running.close();
      }
    } finally {
      await store.close();
    }
  });

  it('asks for a bearer token when INTERFLOW_METRICS_TOKEN is set', async () => {
    const app = express();
    app.get('/metrics', metricsHandler(undefined, pino({ level: 'silent' }), 'scrape-secret-123'));
    const running = await listen(app, { host: '127.0.0.1', port: 0 });
    try {
      expect((await fetch(`${running.url}/metrics`)).status).to.equal(401);
      expect((await fetch(`${running.url}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).to.equal(401);
      expect((await fetch(`${running.url}/metrics`, { headers: { Authorization: 'Bearer scrape-secret-123' } })).status).to.equal(200);
    } finally {
      await running.close();
    }
  });

  describe('GET /ready', () => {
    it('is 200 while the database answers; a registry that is down makes it degraded (still 200), as transfers go on from cached bindings', async () => {
      let registryUp = true;
      const registry = { findBusiness: async () => { if (!registryUp) throw new Error('connect ECONNREFUSED 127.0.0.1:9'); return {}; } };
      const srv = await startTestServer({ registry: registry as never });
      try {
        const ok = await fetch(`${srv.url}/ready`);
        expect(ok.status).to.equal(200);
        const body = (await ok.json()) as { status: string; checks: Record<string, { ok: boolean }> };
        expect(body.status).to.equal('ready');
        expect(Object.keys(body.checks)).to.deep.equal(['database', 'registry']);
        registryUp = false;
        const down = await fetch(`${srv.url}/ready`);
        expect(down.status, 'a department whose hub is down still works').to.equal(200);
        const report = (await down.json()) as { status: string; degraded?: string[]; checks: Record<string, { ok: boolean; error?: string }> };
        expect(report.status).to.equal('degraded');
        expect(report.degraded).to.deep.equal(['registry']);
        expect(report.checks.database!.ok).to.equal(true);
        expect(report.checks.registry).to.include({ ok: false, error: 'connect ECONNREFUSED 127.0.0.1:9' });
        expect((await fetch(`${srv.url}/health`)).status, 'liveness does not depend on the registry').to.equal(200);
      } finally {
        await srv.close();
      }
    });

    it('is 503 when a registry the server cannot work without is down', async () => {
      const registry = { findBusiness: async () => { throw new Error('no such table: uddi_entity'); } };
      const srv = await startTestServer({ registry: registry as never, registryRequired: true });
      try {
        const res = await fetch(`${srv.url}/ready`);
        expect(res.status).to.equal(503);
        expect(((await res.json()) as { status: string }).status).to.equal('not ready');
      } finally {
        await srv.close();
      }
    });

    it('is 503 while writes fail although reads answer (disk full), and checks writes at most once per interval', async () => {
      const store = await createTestStore();
      const engine = new WorkflowEngine({ store, handlers: new HandlerRegistry() });
      let writes = 0;
      let full = false;
      const transaction = store.transaction.bind(store);
      store.transaction = (async (fn: never) => {
        writes += 1;
        if (full) throw new Error('SQLITE_FULL: database or disk is full');
        return transaction(fn);
      }) as typeof store.transaction;
      try {
        const check = databaseCheck(engine, { writeIntervalMs: 60_000 });
        expect((await runReadiness([check])).status).to.equal('ready');
        expect(await store.read((tx) => tx.listTimers('~readiness-probe~')), 'the probe leaves no row behind').to.deep.equal([]);
        await runReadiness([check]);
        await runReadiness([check]);
        expect(writes, 'probes within the interval reuse the last write').to.equal(1);

        full = true;
        const fresh = databaseCheck(engine, { writeIntervalMs: 0 });
        const report = await runReadiness([fresh]);
        expect(report.status).to.equal('not ready');
        expect(report.checks.database!.error).to.match(/cannot be written: SQLITE_FULL/);
        full = false;
        expect((await runReadiness([fresh])).status, 'ready again once writes succeed').to.equal('ready');
      } finally {
        await store.close();
      }
    });

    it('reports a database that is gone', async () => {
      const srv = await startTestServer();
      await srv.store.close();
      try {
        const res = await fetch(`${srv.url}/ready`);
        expect(res.status).to.equal(503);
        expect(((await res.json()) as { checks: { database: { ok: boolean } } }).checks.database.ok).to.equal(false);
      } finally {
        await srv.running.close();
      }
    });

    it('counts a check that does not answer in time as failed', async () => {
      const hang: ReadinessCheck = { name: 'registry', check: () => new Promise(() => {}) };
      const report = await runReadiness([hang], 50);
      expect(report.status).to.equal('not ready');
      expect(report.checks.registry!.error).to.equal('no answer within 50 ms');
    });
  });

  it('caseLogger puts the case id on every line', () => {
    const logs = new LogCapture();
    const log = caseLogger(logs.logger, 'case-42');
    log.info('one');
    log.child({ component: 'x' }).warn({ activityId: 'a' }, 'two');
    expect(logs.lines.map((l) => l.caseId)).to.deep.equal(['case-42', 'case-42']);
  });
});
