import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { WorkflowEngine } from '../../src/engine';
import { tlsFromEnv } from '../../src/services/http';
import { createServer } from '../../src/app';
import { SoapFault } from '../../src/services/soap';
import { createTestStore, freshSqlitePath, testDatabaseConfig } from '../support/test-store';
import { call, LogCapture, PS_NS, startTestServer } from './support';
import { waitFor } from '../support/wait-for';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('HTTP server', () => {
  it('answers /health', async () => {
    const srv = await startTestServer();
    try {
      const res = await fetch(`${srv.url}/health`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: 'ok', department: null });
      expect(res.headers.get('x-powered-by')).to.equal(null);
    } finally {
      await srv.close();
    }
  });

  it('mounts more services after creation, and lists them in the 404 fault', async () => {
    const srv = await startTestServer();
    try {
      srv.server.mount({
        name: 'EchoService',
        path: '/services/Echo/:key',
        wsdl: { file: join(__dirname, '../../wsdl/process-service.wsdl'), schemas: {} },
        operations: {
          '{urn:echo}Echo': async (body, ctx) => ({ body: `<EchoResponse xmlns="urn:echo"><Key>${ctx.pathParams.key}</Key><Text>${String(body.Text)}</Text><Endpoint>${ctx.endpoint}</Endpoint></EchoResponse>` }),
        },
      });
      const res = await call(`${srv.url}/services/Echo/abc`, '1.2', '<Echo xmlns="urn:echo"><Text>hi</Text></Echo>');
      expect(res.status).to.equal(200);
      expect(res.body).to.contain(`<Key>abc</Key><Text>hi</Text><Endpoint>${srv.url}/services/Echo/abc</Endpoint>`);
      const missing = await fetch(`${srv.url}/nothing`);
      expect(await missing.text()).to.contain('/services/ProcessService, /services/Echo/:key');
    } finally {
      await srv.close();
    }
  });

  it('answers a SOAP POST routed before express (the exact path) as express answers it (another spelling of the path)', async () => {
    const srv = await startTestServer();
    try {
      const answers = [];
      for (const url of [srv.endpoint, `${srv.endpoint}/`, `${srv.endpoint}?x=1`]) {
        for (const body of [`<ListProcessDefinitions xmlns="${PS_NS}"/>`, `<Nonsense xmlns="${PS_NS}"/>`]) {
          const res = await call(url, '1.1', body);
          const id = res.headers.get('x-request-id');
          expect(id, url).to.match(/^[0-9a-f-]{36}$/);
          expect(res.headers.get('x-content-type-options'), url).to.equal('nosniff');
          expect(res.headers.get('x-powered-by'), url).to.equal(null);
          await waitFor(() => srv.logs.lines.some((l) => l.requestId === id), 'the request log line');
          const lines = srv.logs.lines.filter((l) => l.requestId === id);
          answers.push({ status: res.status, type: res.headers.get('content-type'), body: res.body, lines: lines.map((l) => [l.msg, l.status, l.operation]) });
        }
      }
      expect(answers[0].status).to.equal(200);
      expect(answers[1].status).to.equal(500);
      expect(answers[1].lines).to.deep.equal([['soap fault', 500, 'Nonsense']]);
      expect(answers.slice(2, 4), 'trailing slash, through express').to.deep.equal(answers.slice(0, 2));
      expect(answers.slice(4, 6), 'query string').to.deep.equal(answers.slice(0, 2));
    } finally {
      await srv.close();
    }
  });

  it('passes the authenticated caller to handlers, and refuses with the authenticator\'s fault', async () => {
    const srv = await startTestServer({
      authenticate: async (ctx) => {
        if (ctx.httpHeaders.authorization !== 'Bearer ok') throw new SoapFault('Client', 'authentication failed', 'FAILED_AUTHENTICATION');
        return { username: 'clerk7', via: 'basic', start: ['*'], participants: ['*'], admin: false };
      },
    });
    try {
      await srv.engine.deploy({ id: 'p', warnings: [], processes: [oneStep()] });
      const refused = await call(srv.endpoint, '1.1', `<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>one_step</ProcessDefinitionId><Data/></StartProcess>`);
      expect(refused.status).to.equal(500);
      expect(refused.body).to.contain('FAILED_AUTHENTICATION');
      const ok = await call(srv.endpoint, '1.1', `<StartProcess xmlns="${PS_NS}"><ProcessDefinitionId>one_step</ProcessDefinitionId><Data/></StartProcess>`, { Authorization: 'Bearer ok' });
      expect(ok.status).to.equal(200);
      const id = /<ProcessInstanceId>([^<]+)</.exec(ok.body)![1];
      expect((await srv.engine.getInstance(id)).startedBy).to.equal('clerk7');
    } finally {
      await srv.close();
    }
  });

  (hasOpenssl() ? it : it.skip)('serves HTTPS with a configured certificate and key (INTERFLOW_TLS_CERT/KEY)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'interflow-tls-'));
    const store = await createTestStore();
    try {
      const cert = join(dir, 'cert.pem');
      const key = join(dir, 'key.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const tls = tlsFromEnv({ INTERFLOW_TLS_CERT: cert, INTERFLOW_TLS_KEY: key });
      const server = createServer(new WorkflowEngine({ store }), { log: new LogCapture().logger });
      const running = await server.listen({ host: '127.0.0.1', port: 0, tls });
      try {
        expect(running.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
        const wsdl = await new Promise<string>((resolve, reject) => {
          httpsRequest(`${running.url}/services/ProcessService?wsdl`, { ca: readFileSync(cert) }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve(body));
          }).on('error', reject).end();
        });
        expect(wsdl).to.contain(`<soap:address location="${running.url}/services/ProcessService"/>`);
      } finally {
        await running.close();
      }
      expect(() => tlsFromEnv({ INTERFLOW_TLS_CERT: cert })).to.throw(/set both INTERFLOW_TLS_CERT and INTERFLOW_TLS_KEY/);
      expect(() => tlsFromEnv({ INTERFLOW_TLS_CERT: cert, INTERFLOW_TLS_KEY: join(dir, 'nope.pem') })).to.throw(/INTERFLOW_TLS_KEY: cannot read .*nope\.pem \(ENOENT\)/);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets a request in flight finish when stopping, and closes idle keep-alive connections without waiting for the grace deadline', async function () {
    // The grace period is longer than this test may take: if close() waited for it, the test would time out.
    this.timeout(20_000);
    const srv = await startTestServer();
    const running = await srv.server.listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 60_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered = false;
    const original = srv.engine.listDefinitions.bind(srv.engine);
    srv.engine.listDefinitions = async () => {
      entered = true;
      await gate;
      return original();
    };
    const inFlight = call(`${running.url}/services/ProcessService`, '1.1', `<ListProcessDefinitions xmlns="${PS_NS}"/>`);
    await waitFor(() => entered, 'the request to reach the engine');
    const closed = running.close();
    release();
    const res = await inFlight;
    expect(res.status).to.equal(200);
    await closed;
    await srv.running.close();
    await srv.store.close();
  });
});

describe('interflow serve', () => {
  it('serves until SIGTERM, then stops gracefully and exits 0', async () => {
    const config = testDatabaseConfig();
    const db = config.kind === 'mysql' ? process.env.INTERFLOW_TEST_DB! : `sqlite:${freshSqlitePath()}`;
    let stdout = '';
    let stderr = '';
    const run = main(['node', 'interflow', '--db', db, '--log-level', 'silent', 'serve', '--port', '0'], {
      stdout: (s) => void (stdout += s),
      stderr: (s) => void (stderr += s),
    });
    const url = await waitFor(() => /listening on (\S+)/.exec(stdout)?.[1], `serve to start (stderr: ${stderr})`, 5_000, 25);
    const health = await fetch(`${url}/health`);
    expect(health.status).to.equal(200);
    const res = await call(`${url}/services/ProcessService`, '1.1', `<ListProcessDefinitions xmlns="${PS_NS}"/>`);
    expect(res.status).to.equal(200);
    const observerWsdl = await fetch(`${url}/wfxml/observer?wsdl`);
    expect(observerWsdl.status, 'the Wf-XML services are mounted too').to.equal(200);
    process.emit('SIGTERM');
    expect(await run).to.equal(0);
    const refused = await fetch(`${url}/health`).then(() => 'answered', () => 'refused');
    expect(refused).to.equal('refused');
  });
});

function oneStep() {
  return {
    id: 'one_step',
    dataFields: [],
    participants: [],
    applications: [],
    activities: [
      { id: 'start', kind: 'start', join: 'none', split: 'none', performers: [], fireRule: 'last' },
      { id: 'work', kind: 'manual', join: 'none', split: 'none', performers: [], fireRule: 'last' },
      { id: 'end', kind: 'end', join: 'none', split: 'none', performers: [], fireRule: 'last' },
    ],
    transitions: [
      { id: 't1', from: 'start', to: 'work', kind: 'normal' },
      { id: 't2', from: 'work', to: 'end', kind: 'normal' },
    ],
  } as never;
}
