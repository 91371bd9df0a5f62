import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { HandlerRegistry, WorkflowEngine } from '../../../src/engine';
import { createServer } from '../../../src/app';
import { importXpdl } from '../../../src/xpdl';
import { wfxmlServices } from '../../../src/services/wfxml';
import { testDatabaseKind } from '../../support/test-store';
import { LogCapture, PS_PATH, startTestServer, type TestServer } from '../support';

export const ASAP = 'http://www.oasis-open.org/asap/0.9/asap.xsd';
export const WFXML = 'http://www.wfmc.org/wfxml/2.0/';
export const WSDL_DIR = resolve(__dirname, '../../../wsdl');
export const PERMIT_XPDL = resolve(__dirname, '../../../examples/building-permit.xpdl');

/** A real Interflow server (src/services/http) with the Wf-XML services mounted. */
export async function startWfxmlServer(): Promise<TestServer> {
  const t = await startTestServer();
  for (const def of wfxmlServices(t.engine)) t.server.mount(def);
  return t;
}

/**
 * A second department engine with its own server. On SQLite it has its own database; on MySQL
 * every store of the suite is the one database (a fresh store would reset it under the first
 * engine), so it is a second engine on the first one's store, as two departments sharing a
 * database server would be.
 */
export async function startSecondWfxmlServer(first: TestServer): Promise<TestServer> {
  if (testDatabaseKind() === 'sqlite') return startWfxmlServer();
  const engine = new WorkflowEngine({ store: first.store, handlers: new HandlerRegistry() });
  const logs = new LogCapture();
  const server = createServer(engine, { log: logs.logger, services: wfxmlServices(engine) });
  const running = await server.listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 2000 });
  return { url: running.url, endpoint: running.url + PS_PATH, engine, store: first.store, server, running, logs, close: () => running.close() };
}

export async function deployPermit(t: TestServer): Promise<void> {
  const xml = readFileSync(PERMIT_XPDL, 'utf8');
  await t.engine.deploy(importXpdl(xml), { source: xml });
}

/** The element inside soap:Body of a reply the SOAP layer wrote. */
export function bodyOf(envelope: string): string {
  const m = /<soap:Body>([\s\S]*)<\/soap:Body>/.exec(envelope);
  expect(m, `a SOAP envelope, got:\n${envelope}`).to.not.equal(null);
  return m![1];
}

export function headerOf(envelope: string): string {
  return /<soap:Header>([\s\S]*)<\/soap:Header>/.exec(envelope)?.[1] ?? '';
}

/** Validates one standalone element (with its own xmlns declarations) against a schema with xmllint. */
export function validate(fragment: string, schema: 'asap.xsd' | 'wfxml.xsd'): void {
  const dir = mkdtempSync(join(tmpdir(), 'wfxml-xsd-'));
  try {
    const file = join(dir, 'message.xml');
    writeFileSync(file, `<?xml version="1.0" encoding="UTF-8"?>\n${fragment}`);
    try {
      execFileSync('xmllint', ['--noout', '--schema', join(WSDL_DIR, schema), file], { stdio: 'pipe' });
    } catch (e) {
      const err = e as { stderr?: Buffer };
      expect.fail(`${schema} rejects the message:\n${err.stderr?.toString() ?? String(e)}\n${fragment}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function text(xml: string, localName: string): string | undefined {
  const m = new RegExp(`<(?:\\w+:)?${localName}(?:\\s[^>]*)?>([^<]*)</(?:\\w+:)?${localName}>`).exec(xml);
  return m?.[1];
}
