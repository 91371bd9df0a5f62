/**
 * bench/services — StartProcess requests per second over SOAP 1.1, against a bare node-soap echo
 * service measured the same way in the same run: the echo is the cost floor of one SOAP hop on this
 * machine (parse, dispatch, serialise, no work), so the ratio says how much of that budget the
 * whole Interflow path (guards, parsing, a durable engine transaction on a SQLite file, logging)
 * leaves. Both servers run in this process; 8 requests are kept in flight over keep-alive
 * connections, as a pool of legacy clients would.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import pino from 'pino';
import * as soap from 'soap';
import { WorkflowEngine, type DefinitionPackage } from '../src/engine';
import { openStore } from '../src/persistence';
import { createServer } from '../src/services/http';
import { xml } from '../src/services/soap';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 8;

const ECHO_NS = 'urn:bench:echo';
const ECHO_WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${ECHO_NS}" targetNamespace="${ECHO_NS}" name="Echo">
  <types>
    <xsd:schema targetNamespace="${ECHO_NS}" elementFormDefault="qualified">
      <xsd:element name="Echo"><xsd:complexType><xsd:sequence><xsd:element name="Text" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
      <xsd:element name="EchoResponse"><xsd:complexType><xsd:sequence><xsd:element name="Text" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
    </xsd:schema>
  </types>
  <message name="EchoRequest"><part name="parameters" element="tns:Echo"/></message>
  <message name="EchoResponse"><part name="parameters" element="tns:EchoResponse"/></message>
  <portType name="EchoPortType"><operation name="Echo"><input message="tns:EchoRequest"/><output message="tns:EchoResponse"/></operation></portType>
  <binding name="EchoBinding" type="tns:EchoPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Echo"><soap:operation soapAction="${ECHO_NS}:Echo"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="EchoService"><port name="EchoPort" binding="tns:EchoBinding"><soap:address location="http://localhost/echo"/></port></service>
</definitions>`;

const envelope = (body: string) => `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;
const ECHO_REQUEST = envelope(`<Echo xmlns="${ECHO_NS}"><Text>BP-2026-0042</Text></Echo>`);
const START_REQUEST = envelope(
  '<StartProcess xmlns="urn:interflow:process-service:1"><ProcessDefinitionId>one_step</ProcessDefinitionId><Subject>bench</Subject><Data><Item><Name>caseRef</Name><Value>BP-2026-0042</Value></Item></Data></StartProcess>',
);

function oneManualActivity(): DefinitionPackage {
  const node = (id: string, kind: string) => ({ id, kind, join: 'none', split: 'none', performers: kind === 'manual' ? ['clerk'] : [], fireRule: 'last' });
  return {
    id: 'bench',
    warnings: [],
    processes: [{
      id: 'one_step',
      dataFields: [{ id: 'caseRef', type: 'STRING' }],
      participants: [{ id: 'clerk', type: 'ROLE' }],
      applications: [],
      activities: [node('start', 'start'), node('review', 'manual'), node('end', 'end')],
      transitions: [{ id: 't1', from: 'start', to: 'review', kind: 'normal' }, { id: 't2', from: 'review', to: 'end', kind: 'normal' }],
    }],
  } as unknown as DefinitionPackage;
}

/** Keeps CONCURRENCY requests in flight for `durationS`; every response must be a 200 with `expect`. */
async function load(url: string, body: string, expect: string, durationS: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL(url);
  const payload = Buffer.from(body);
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': payload.length, SOAPAction: '""' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200 || !text.includes(expect)) reject(new Error(`${url} answered ${res.statusCode}: ${text.slice(0, 300)}`));
            else resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const deadline = Date.now() + durationS * 1000;
  let count = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < deadline) {
      await once();
      count++;
    }
  }));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return count / elapsed;
}

async function measure(label: string, url: string, body: string, expect: string): Promise<number> {
  await load(url, body, expect, Math.min(1, seconds / 5)); // warm-up: JIT, prepared statements, connections
  const perSecond = await load(url, body, expect, seconds);
  console.log(`  ${label.padEnd(52)} ${perSecond.toFixed(0).padStart(7)} requests/s`);
  return perSecond;
}

function listenOn(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export interface ServicesBench {
  /** node-soap echo, requests/s. */
  baseline: number;
  /** Interflow's SOAP layer answering an echo operation: the same hop, no engine. */
  layer: number;
  /** Interflow StartProcess, requests/s. */
  interflow: number;
  ratio: number;
}

export async function benchServices(): Promise<ServicesBench> {
  console.log(`bench/services: SOAP 1.1 over loopback, ${CONCURRENCY} requests in flight on keep-alive connections, ~${seconds} s each`);

  const echoApp = express();
  const echoServer = await listenOn(echoApp);
  soap.listen(echoApp, '/echo', { EchoService: { EchoPort: { Echo: (args: { Text: string }) => ({ Text: args.Text }) } } }, ECHO_WSDL);
  const echoUrl = `http://127.0.0.1:${(echoServer.address() as AddressInfo).port}/echo`;
  const baseline = await measure('node-soap echo (soap.listen on express)', echoUrl, ECHO_REQUEST, 'BP-2026-0042');
  await new Promise((r) => echoServer.close(r));

  const dir = mkdtempSync(join(tmpdir(), 'interflow-bench-services-'));
  const store = await openStore(`sqlite:${join(dir, 'bench.sqlite')}`);
  const engine = new WorkflowEngine({ store });
  await engine.deploy(oneManualActivity());
  // The request log is on, as in `interflow serve`, written to /dev/null so the terminal is not the bottleneck.
  const log = pino({ level: process.env.BENCH_LOG ?? 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const server = createServer(engine, { log });
  const wsdlFile = join(__dirname, '..', 'wsdl', 'process-service.wsdl');
  server.mount({
    name: 'Echo',
    path: '/echo',
    wsdl: { file: wsdlFile, schemas: {} },
    operations: { [`{${ECHO_NS}}Echo`]: async (body) => ({ body: xml`<EchoResponse xmlns="${ECHO_NS}"><Text>${String(body.Text)}</Text></EchoResponse>` }) },
  });
  const running = await server.listen({ host: '127.0.0.1', port: 0 });
  const layer = await measure('Interflow SOAP layer, echo operation (no engine)', `${running.url}/echo`, ECHO_REQUEST, 'BP-2026-0042');
  const interflow = await measure('Interflow StartProcess (durable SQLite file, WAL)', `${running.url}/services/ProcessService`, START_REQUEST, '<State>open.running</State>');
  await running.close();
  const stored = await engine.countByState();
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const ratio = interflow / baseline;
  console.log(`  durable check: ${stored['open.running'] ?? 0} running cases stored, each with its open work item`);
  console.log(`  ratio SOAP layer echo / node-soap echo: ${(layer / baseline).toFixed(2)}`);
  console.log(`  ratio Interflow StartProcess / node-soap echo: ${ratio.toFixed(2)} (target >= 0.5)`);
  return { baseline, layer, interflow, ratio };
}

if (require.main === module) {
  benchServices().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
