import { REFERENCE_DIR } from '../support/shared-reference';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import pino, { type Logger } from 'pino';
import { openRegistryStore, type TypeormStore } from '../../src/persistence';
import { createRegistryServices, RegistryStore, UddiError, type RegistryOptions } from '../../src/registry';
import { listen, type RunningServer } from '../../src/services/http';
import { mountSoapService } from '../../src/services/soap';
import { createTypeormTestStore } from '../support/test-store';

/** The official UDDI v3 contract, used in place (never copied into the repository). */
export const UDDI_REFERENCE_DIR = path.resolve(REFERENCE_DIR, 'uddi-v3');
export const UDDI_XSD = path.join(UDDI_REFERENCE_DIR, 'uddi_v3.xsd');
export const UDDI_BINDING_WSDL = path.join(UDDI_REFERENCE_DIR, 'uddi_api_v3_binding.wsdl');
export const UDDI_NS = 'urn:uddi-org:api_v3';

/** A clock the test moves by hand: token expiry and sortByDate without sleeping. */
export class TestClock {
  constructor(public ms = Date.parse('2030-01-01T00:00:00.000Z')) {}
  now = (): Date => new Date(this.ms);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export interface TestRegistry {
  store: TypeormStore;
  registry: RegistryStore;
  clock: TestClock;
  close(): Promise<void>;
}

/** A registry on a clean test database (SQLite file, or INTERFLOW_TEST_DB). */
export async function openTestRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const store = await createTypeormTestStore();
  const clock = new TestClock();
  const registry = await openRegistryStore(store, { nodeDomain: 'test.example', tokenTtlSeconds: 600, clock: clock.now, env: {}, ...options });
  return {
    store,
    registry,
    clock,
    close: async () => {
      await registry.close();
      await store.close();
    },
  };
}

export interface RegistryServer {
  url: string;
  running: RunningServer;
  close(): Promise<void>;
}

/** The three UDDI endpoints on a real HTTP listener on 127.0.0.1 (an ephemeral port). */
export async function startRegistryServer(registry: RegistryStore, log: Logger = pino({ level: 'silent' })): Promise<RegistryServer> {
  const app = express();
  for (const def of createRegistryServices(registry)) mountSoapService(app, def, { log });
  const running = await listen(app, { host: '127.0.0.1', port: 0, shutdownGraceMs: 1000 });
  return { url: running.url, running, close: () => running.close() };
}

export interface UddiResponse {
  status: number;
  body: string;
}

/** POSTs one UDDI request element in a SOAP 1.1 envelope, with SOAPAction when given. */
export async function uddiPost(url: string, requestXml: string, soapAction?: string): Promise<UddiResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8' };
  if (soapAction !== undefined) headers.SOAPAction = `"${soapAction}"`;
  const envelope = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${requestXml}</soap:Body></soap:Envelope>`;
  const res = await fetch(url, { method: 'POST', headers, body: envelope });
  return { status: res.status, body: await res.text() };
}

/** The first child of soap:Body (or of the fault's detail), as text. */
export function bodyElement(envelope: string): string {
  const m = /<soap:Body>([\s\S]*)<\/soap:Body>/.exec(envelope);
  expect(m, `a SOAP body in:\n${envelope}`).to.not.equal(null);
  return m![1];
}

export function detailElement(envelope: string): string {
  const m = /<detail>([\s\S]*)<\/detail>/.exec(envelope);
  expect(m, `a fault detail in:\n${envelope}`).to.not.equal(null);
  return m![1];
}

let scratch: string | undefined;
let counter = 0;

/**
 * Validates a reply element against the official uddi_v3.xsd with xmllint, offline: the schema
 * imports xml.xsd and xmldsig from the local copies beside it (reference/uddi-v3/www.w3.org).
 * Throws when xmllint is missing: schema validity is part of the contract.
 */
export function validateUddi(elementXml: string): void {
  const probe = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  if (probe.error) throw new Error('xmllint is not installed (apt-get install -y libxml2-utils); CI installs it');
  scratch ??= mkdtempSync(path.join(tmpdir(), 'interflow-uddi-'));
  const file = path.join(scratch, `reply-${++counter}.xml`);
  writeFileSync(file, `<?xml version="1.0" encoding="utf-8"?>${elementXml}`);
  const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', UDDI_XSD, file], { encoding: 'utf8', timeout: 60_000 });
  expect(run.status, `xmllint says:\n${run.stderr}\nfor:\n${elementXml}`).to.equal(0);
}

/** Runs fn and returns the UddiError it threw; fails when it did not throw one. */
export async function uddiErrorOf(fn: () => Promise<unknown>): Promise<UddiError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof UddiError) return e;
    throw e;
  }
  expect.fail('expected a UddiError');
}

export async function expectUddiError(fn: () => Promise<unknown>, code: string, errno?: number): Promise<UddiError> {
  const e = await uddiErrorOf(fn);
  expect(e.errorCode, e.message).to.equal(code);
  if (errno !== undefined) expect(e.errno).to.equal(errno);
  return e;
}
