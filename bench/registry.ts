/**
 * bench/registry — the UDDI registry with 10,000 businesses registered (each with a service and a
 * binding), over SOAP 1.1: get_bindingDetail per second and find_business by name prefix with
 * approximateMatch (median latency and per second), beside a bare node-soap echo measured the same
 * way in the same run (the cost floor of one SOAP hop on this machine). Then, in process, the same
 * two calls on the registry store without SOAP, and the cost of a cached binding lookup (what
 * src/binding does between registry calls). The servers run in a child process and wrk drives
 * them, so the load generator does not share the server's CPU; without wrk the load comes from
 * this process, and the figures say so.
 *
 * For scale (MISSION.md): jUDDI 3.0's published load test managed FindBusinessByName 5.1/s with a
 * 120 ms median. Targets: find_business median < 10 ms, get_bindingDetail > 1,000/s.
 */
import 'reflect-metadata';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import pino from 'pino';
import * as soap from 'soap';
import { ECHO_NS, ECHO_WSDL } from './echo-service';
import { Binder, departmentEntries, FederationKeys, offeredServices, RegistryClient, type BindingTarget } from '../src/binding';
import type { DefinitionRecord } from '../src/engine';
import { openRegistryStore, openStore } from '../src/persistence';
import { createRegistryServices, RegistryStore, type BusinessEntity } from '../src/registry';
import { listen } from '../src/services/http';
import { mountSoapService } from '../src/services/soap';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const BUSINESSES = Number(process.env.BENCH_BUSINESSES ?? 10_000);
const CONCURRENCY = 8;
const UDDI = 'urn:uddi-org:api_v3';
const PORT_TYPE_KEY = 'uddi:bench.example:permit-porttype';

const envelope = (body: string) => `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;
const ECHO_REQUEST = envelope(`<Echo xmlns="${ECHO_NS}"><Text>BP-2026-0042</Text></Echo>`);
/** "Department 0042%" matches Department 00420 … 00429: a prefix search with ten hits out of 10,000. */
const FIND_PREFIX = 'Department 0042%';
const findRequest = envelope(`<find_business xmlns="${UDDI}" maxRows="20"><findQualifiers><findQualifier>approximateMatch</findQualifier></findQualifiers><name>${FIND_PREFIX}</name></find_business>`);
const bindingRequest = (key: string) => envelope(`<get_bindingDetail xmlns="${UDDI}"><bindingKey>${key}</bindingKey></get_bindingDetail>`);


export interface RegistryBench {
  echo: Rate;
  getBindingDetail: Rate;
  findBusiness: Rate;
  /** In process, no SOAP. */
  storeGetBinding: Rate;
  storeFindBusiness: Rate;
  /** Nanoseconds per cached lookup (a Map of bindingTemplates by key). */
  cachedLookupNs: number;
  importPerSecond: number;
  loadedFromWrk: boolean;
  /** Binder.resolve of a department's ProcessService: answered from its cache (µs), and with no cache (one get_businessDetail over SOAP). */
  binderCachedUs: number;
  binderUncached: Rate;
  /** Binder.resolve of a capability with no cache: find_service + get_businessDetail over SOAP. */
  binderCapabilityUncached: Rate;
}

/** Interflow departments among the 10,000 businesses, as self-registration writes them, for the Binder figures. */
const BENCH_DEPARTMENTS = 50;
const BENCH_KEYS = new FederationKeys('bench.gov.example');

function interflowDepartment(i: number): BusinessEntity {
  const code = `dept-${String(i).padStart(3, '0')}`;
  const activity = (id: string, department?: string) => ({ id, kind: 'manual', join: 'none', split: 'none', performers: [], fireRule: 'first', ...(department ? { department } : {}) });
  const definitions = ['permit', 'licence'].map((processId) => ({
    processId,
    version: 1,
    contentHash: processId,
    deployedAt: new Date(),
    definition: { id: processId, dataFields: [], participants: [], applications: [], transitions: [], activities: [activity('intake'), activity(`review-${code}`, code)] },
  })) as unknown as DefinitionRecord[];
  return departmentEntries(BENCH_KEYS, {
    code,
    publicUrl: `http://${code}.bench.example:8080`,
    engineId: 'main',
    services: offeredServices(definitions, code),
    leaseUntil: new Date(Date.now() + 24 * 3600_000),
  }).business;
}

interface Rate {
  perSecond: number;
  medianMs: number;
}

function department(i: number): BusinessEntity {
  const id = String(i).padStart(5, '0');
  return {
    discoveryURLs: [],
    names: [{ value: `Department ${id}`, lang: 'en' }],
    descriptions: [{ value: `Department ${id} of the bench province` }],
    contacts: [],
    identifierBag: [{ tModelKey: 'uddi:interflow.org:department-code', keyValue: `D${id}` }],
    categoryBag: { keyedReferences: [{ tModelKey: 'uddi:interflow.org:capability', keyValue: i % 2 ? 'permit-review' : 'fire-inspection' }], keyedReferenceGroups: [] },
    businessServices: [{
      names: [{ value: `Permit service ${id}` }],
      descriptions: [],
      bindingTemplates: [{
        descriptions: [],
        accessPoint: { value: `http://dept-${id}.bench.example/wfxml/factory/permit`, useType: 'endPoint' },
        tModelInstanceDetails: [{ tModelKey: PORT_TYPE_KEY, descriptions: [] }],
      }],
    }],
  };
}

export async function benchRegistry(): Promise<RegistryBench> {
  const loadedFromWrk = spawnSync('wrk', ['--version']).error === undefined;
  console.log(`bench/registry: ${BUSINESSES.toLocaleString('en')} businesses, SOAP 1.1 over loopback, ${CONCURRENCY} keep-alive connections, ~${seconds} s each, load from ${loadedFromWrk ? 'wrk (separate process)' : 'this process (install wrk for the reference method)'}`);
  const dir = mkdtempSync(join(tmpdir(), 'interflow-bench-registry-'));
  const file = join(dir, 'registry.sqlite');
  const store = await openStore({ kind: 'sqlite', path: file });
  const registry = await openRegistryStore(store, { env: {} });
  let server: ChildServer | undefined;
  try {
    const started = process.hrtime.bigint();
    const saved: BusinessEntity[] = [];
    for (let from = 0; from < BUSINESSES; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, BUSINESSES - from) }, (_, i) => department(from + i));
      saved.push(...(await registry.importBusinesses('bench', batch)));
    }
    const importPerSecond = BUSINESSES / (Number(process.hrtime.bigint() - started) / 1e9);
    await registry.importBusinesses('bench-departments', Array.from({ length: BENCH_DEPARTMENTS }, (_, i) => interflowDepartment(i)));
    console.log(`  bulk import through the registry store                ${importPerSecond.toFixed(0).padStart(7)} businesses/s`);
    const bindingKeys = saved.map((b) => b.businessServices[0].bindingTemplates[0].bindingKey!);
    const probeKey = bindingKeys[4242 % bindingKeys.length];

    server = await startChild(file);
    const run = (label: string, url: string, body: string, expect: string) => (loadedFromWrk ? measureWithWrk(label, url, body, expect) : measureInProcess(label, url, body, expect));
    const echo = await run('node-soap echo (baseline)', server.echoUrl, ECHO_REQUEST, 'BP-2026-0042');
    const getBindingDetail = await run('get_bindingDetail over SOAP', `${server.registryUrl}/uddi/inquiry`, bindingRequest(probeKey), '<accessPoint useType="endPoint">');
    const findBusiness = await run(`find_business "${FIND_PREFIX}" approximateMatch over SOAP`, `${server.registryUrl}/uddi/inquiry`, findRequest, '<actualCount>10</actualCount>');

    // Dynamic binding over SOAP, one call at a time: what an engine pays when a case reaches another department.
    const client = new RegistryClient({ baseUrl: server.registryUrl });
    const target = (i: number): BindingTarget => ({ department: `dept-${String(i % BENCH_DEPARTMENTS).padStart(3, '0')}`, service: 'ProcessService' });
    const uncached = new Binder({ registry: client, keys: BENCH_KEYS, cacheTtlSeconds: 0 });
    const binderUncached = await inProcess('Binder.resolve(department), no cache (SOAP)', async (i) => {
      if ((await uncached.resolve(target(i))).length !== 1) throw new Error('resolve found no endpoint');
    });
    const binderCapabilityUncached = await inProcess('Binder.resolve(capability), no cache (SOAP)', async (i) => {
      const code = `dept-${String(i % BENCH_DEPARTMENTS).padStart(3, '0')}`;
      const found = await uncached.resolve({ capability: `permit/review-${code}`, service: 'wfxml-factory' });
      if (found.length !== 1 || found[0].department !== code) throw new Error('capability resolved to the wrong endpoint');
    });
    const cached = new Binder({ registry: client, keys: BENCH_KEYS, cacheTtlSeconds: 3600 });
    for (let i = 0; i < BENCH_DEPARTMENTS; i++) await cached.resolve(target(i));
    const calls = cached.stats.registryCalls;
    const resolves = 200_000;
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < resolves; i++) await cached.resolve(target(i));
    const binderCachedUs = Number(process.hrtime.bigint() - t1) / resolves / 1e3;
    if (cached.stats.registryCalls !== calls) throw new Error('cached resolves called the registry');
    console.log(`  Binder.resolve(department), cached                    ${binderCachedUs.toFixed(2).padStart(7)} µs/resolve (${(binderUncached.medianMs * 1000 / binderCachedUs).toFixed(0)}× cheaper than uncached)`);

    await server.stop();
    server = undefined;

    const storeGetBinding = await inProcess('get_bindingDetail on the store (no SOAP)', async (i) => {
      await registry.getBindingDetail([bindingKeys[i % bindingKeys.length]]);
    });
    const storeFindBusiness = await inProcess('find_business on the store (no SOAP)', async () => {
      const list = await registry.findBusiness({ names: [{ value: FIND_PREFIX }], findQualifiers: ['approximateMatch'], maxRows: 20 });
      if (list.listDescription.actualCount !== 10) throw new Error(`find_business found ${list.listDescription.actualCount}, expected 10`);
    });
    const cache = new Map((await registry.getBindingDetail(bindingKeys.slice(0, 1000))).map((b) => [b.bindingKey!, b]));
    const cacheKeys = [...cache.keys()];
    let hits = 0;
    const lookups = 2_000_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < lookups; i++) if (cache.get(cacheKeys[i % cacheKeys.length])?.accessPoint) hits++;
    const cachedLookupNs = Number(process.hrtime.bigint() - t0) / lookups;
    if (hits !== lookups) throw new Error('cache lookups missed');
    console.log(`  cached binding lookup (Map by bindingKey)              ${cachedLookupNs.toFixed(0).padStart(7)} ns/lookup`);

    const bench: RegistryBench = { echo, getBindingDetail, findBusiness, storeGetBinding, storeFindBusiness, cachedLookupNs, importPerSecond, loadedFromWrk, binderCachedUs, binderUncached, binderCapabilityUncached };
    console.log(`  ratio get_bindingDetail / node-soap echo: ${(getBindingDetail.perSecond / echo.perSecond).toFixed(2)} (target: > 1,000/s; ${getBindingDetail.perSecond >= 1000 ? 'met' : 'NOT met'})`);
    console.log(`  ratio find_business / node-soap echo: ${(findBusiness.perSecond / echo.perSecond).toFixed(2)}; median ${findBusiness.medianMs.toFixed(2)} ms (target < 10 ms; ${findBusiness.medianMs < 10 ? 'met' : 'NOT met'}); jUDDI 3.0: 5.1/s, median 120 ms`);
    console.log(`  a cached lookup costs 1/${Math.round((getBindingDetail.medianMs * 1e6) / cachedLookupNs).toLocaleString('en')} of a get_bindingDetail round trip`);
    return bench;
  } finally {
    await server?.stop();
    await registry.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------ load and timing

/** Sequential calls for `seconds`, in this process: per second and the median of each call. */
async function inProcess(label: string, call: (i: number) => Promise<void>): Promise<Rate> {
  for (let i = 0; i < 200; i++) await call(i);
  const times: number[] = [];
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const started = process.hrtime.bigint();
  for (let i = 0; process.hrtime.bigint() < deadline; i++) {
    const t = process.hrtime.bigint();
    await call(i);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const perSecond = times.length / (Number(process.hrtime.bigint() - started) / 1e9);
  const rate = { perSecond, medianMs: median(times) };
  print(label, rate);
  return rate;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function print(label: string, rate: Rate): void {
  console.log(`  ${label.padEnd(52)} ${rate.perSecond.toFixed(0).padStart(7)} /s  (median ${rate.medianMs.toFixed(2)} ms)`);
}

/** CONCURRENCY requests in flight over keep-alive connections; every answer must be a 200 holding `expect`. */
async function load(url: string, body: string, expect: string, durationS: number): Promise<Rate> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL(url);
  const payload = Buffer.from(body);
  const times: number[] = [];
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const t = process.hrtime.bigint();
      const req = request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': payload.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200 || !text.includes(expect)) reject(new Error(`${url} answered ${res.statusCode}: ${text.slice(0, 300)}`));
            else {
              times.push(Number(process.hrtime.bigint() - t) / 1e6);
              resolve();
            }
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  const deadline = Date.now() + durationS * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < deadline) await once();
  }));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { perSecond: times.length / elapsed, medianMs: median(times) };
}

async function measureInProcess(label: string, url: string, body: string, expect: string): Promise<Rate> {
  await load(url, body, expect, Math.min(1, seconds / 5));
  const rate = await load(url, body, expect, seconds);
  print(label, rate);
  return rate;
}

const WRK_SCRIPT = `local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
`;

async function measureWithWrk(label: string, url: string, body: string, expect: string): Promise<Rate> {
  await load(url, body, expect, Math.min(1, seconds / 5)); // checks the answer before the load, and warms up
  const dir = mkdtempSync(join(tmpdir(), 'interflow-wrk-'));
  const bodyFile = join(dir, 'body.xml');
  const script = join(dir, 'post.lua');
  writeFileSync(bodyFile, body);
  writeFileSync(script, WRK_SCRIPT);
  const result = spawnSync('wrk', ['-t1', `-c${CONCURRENCY}`, `-d${seconds}s`, '--latency', '-s', script, url], { env: { ...process.env, BODY_FILE: bodyFile }, encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  const out = `${result.stdout}${result.stderr}`;
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rate) throw new Error(`wrk gave no rate:\n${out}`);
  if (/Non-2xx or 3xx responses/.test(out)) throw new Error(`${label}: some answers were not 200:\n${out}`);
  const p50 = /50%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const medianMs = p50 ? Number(p50[1]) * (p50[2] === 'us' ? 1e-3 : p50[2] === 's' ? 1e3 : 1) : Number.NaN;
  const r = { perSecond: Number(rate[1]), medianMs };
  print(label, r);
  return r;
}

// ------------------------------------------------------------------------ the server process

interface ChildServer {
  registryUrl: string;
  echoUrl: string;
  stop(): Promise<void>;
}

function startChild(file: string): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, 'serve', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`registry bench server exited with ${code}: ${output}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\S+) (\S+)/.exec(output);
      if (!ready) return;
      child.removeAllListeners('exit');
      let stopping: Promise<void> | undefined;
      resolve({
        registryUrl: ready[1],
        echoUrl: ready[2],
        stop: () => (stopping ??= new Promise((done) => {
          child.once('exit', () => done());
          child.kill('SIGTERM');
        })),
      });
    });
  });
}

/** The child: the registry's three endpoints on the bench database, and a bare node-soap echo. */
async function serve(file: string): Promise<void> {
  const store = await openStore({ kind: 'sqlite', path: file });
  const registry = await openRegistryStore(store, { env: {} });
  const log = pino({ level: 'silent' });
  const app = express();
  app.disable('x-powered-by');
  for (const def of createRegistryServices(registry)) mountSoapService(app, def, { log });
  const running = await listen(app, { host: '127.0.0.1', port: 0, shutdownGraceMs: 1000 });

  const echoApp = express();
  const echoServer = await new Promise<ReturnType<typeof echoApp.listen>>((resolve) => {
    const s = echoApp.listen(0, '127.0.0.1', () => resolve(s));
  });
  soap.listen(echoApp, '/echo', { EchoService: { EchoPort: { Echo: (args: { Text: string }) => ({ Text: args.Text }) } } }, ECHO_WSDL);
  console.log(`READY ${running.url} http://127.0.0.1:${(echoServer.address() as AddressInfo).port}/echo`);
  process.once('SIGTERM', () => {
    void (async () => {
      await running.close();
      echoServer.close();
      await registry.close();
      await store.close();
      process.exit(0);
    })();
  });
}

if (require.main === module) {
  if (process.argv[2] === 'serve') {
    serve(process.argv[3]).catch((e) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    benchRegistry().catch((e) => {
      console.error(e);
      process.exit(1);
    });
  }
}
