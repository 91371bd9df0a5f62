import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { expect } from 'chai';
import { WorkflowEngine, HandlerRegistry, type Store } from '../../src/engine';
import type { RunningServer } from '../../src/services/http';
import { createServer, type InterflowServer, type ServerOptions } from '../../src/app';
import { createTestStore } from '../support/test-store';

export const PS_NS = 'urn:interflow:process-service:1';
export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
export const PS_PATH = '/services/ProcessService';

/** Log lines the server wrote, parsed, so tests can check what operators would see. */
export class LogCapture {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly logger: Logger;

  constructor() {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const line of chunk.toString().split('\n')) if (line.trim()) this.lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    this.logger = pino({ level: 'info' }, sink);
  }
}

export interface TestServer {
  url: string;
  endpoint: string;
  engine: WorkflowEngine;
  store: Store;
  server: InterflowServer;
  running: RunningServer;
  logs: LogCapture;
  close(): Promise<void>;
}

/**
 * A real server on 127.0.0.1, an ephemeral port, and a fresh store; or, given `shareEngineOf`, a
 * second server on that server's engine (on MySQL a fresh store would reset the one database
 * every server of the suite shares).
 */
export async function startTestServer(options: Partial<ServerOptions> = {}, shareEngineOf?: TestServer): Promise<TestServer> {
  const store = shareEngineOf?.store ?? (await createTestStore());
  const handlers = new HandlerRegistry().register('send_email', () => ({})).register('send_sms', () => ({}));
  const engine = shareEngineOf?.engine ?? new WorkflowEngine({ store, handlers });
  const logs = new LogCapture();
  const server = createServer(engine, { log: logs.logger, ...options });
  const running = await server.listen({ host: '127.0.0.1', port: 0, shutdownGraceMs: 2000 });
  return {
    url: running.url,
    endpoint: running.url + PS_PATH,
    engine,
    store,
    server,
    running,
    logs,
    close: async () => {
      await running.close();
      if (!shareEngineOf) await store.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

export async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'text/xml; charset=utf-8', ...headers } });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

export function envelope(version: '1.1' | '1.2', body: string, header = ''): string {
  const ns = version === '1.1' ? SOAP11 : SOAP12;
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ns}">${header ? `<soap:Header>${header}</soap:Header>` : ''}<soap:Body>${body}</soap:Body></soap:Envelope>`;
}

export function contentType(version: '1.1' | '1.2'): string {
  return version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8';
}

/** POSTs a ProcessService request element in a SOAP envelope of the given version. */
export async function call(endpoint: string, version: '1.1' | '1.2', body: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return post(endpoint, envelope(version, body), { 'Content-Type': contentType(version), ...headers });
}

export interface ParsedFault {
  code: string;
  message: string;
  detailCode?: string;
}

/** Reads a fault in either SOAP version; fails the test when the response is not a fault. */
export function faultOf(body: string): ParsedFault {
  const code = /<faultcode[^>]*>([^<]*)<\/faultcode>/.exec(body)?.[1] ?? /<soap:Code><soap:Value>([^<]*)<\/soap:Value>/.exec(body)?.[1];
  const message = /<faultstring[^>]*>([^<]*)<\/faultstring>/.exec(body)?.[1] ?? /<soap:Text[^>]*>([^<]*)<\/soap:Text>/.exec(body)?.[1];
  expect(code, `a SOAP fault, got:\n${body}`).to.be.a('string');
  const detailCode = /<iff:Code>([^<]*)<\/iff:Code>/.exec(body)?.[1];
  return { code: code!, message: unescape(message ?? ''), ...(detailCode ? { detailCode } : {}) };
}

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** No stack frames or source paths ever reach a caller. */
export function expectNoInternals(body: string): void {
  expect(body).not.to.match(/\bat \S+ \(|\bat (?:async )?[\w.<>]+ \(|\.ts:\d+|\.js:\d+|\/work\/|node_modules|Error:\s/);
}

/** The text of the first element with this local name (any prefix), or undefined. */
export function textOf(body: string, localName: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${localName}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${localName}>`).exec(body);
  return m ? unescape(m[1]) : undefined;
}

export function allTextOf(body: string, localName: string): string[] {
  const re = new RegExp(`<(?:[\\w.-]+:)?${localName}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${localName}>`, 'g');
  return [...body.matchAll(re)].map((m) => unescape(m[1]));
}
