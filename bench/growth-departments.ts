/**
 * bench/growth, second half — does a transfer slow down as more departments register? A registry
 * hub and three department engines (market, tax, fire: bench/federation's, SQLite files, every
 * transfer signed and verified against the registry's certificate) are measured with their own 3
 * departments registered, then again after 297 more have registered the way self-registration
 * registers a department: a publisher of its own, a signing key and certificate of its own (made
 * as an engine makes one on first start), its tModels and its businessEntity with every service of
 * the licence package, the transfer service and a leased binding, saved over SOAP.
 *
 * Measured at each size, in the same run:
 * - express licence cases per second, each four signed transfers (hand-overs market → tax and
 *   market → fire, their results back), with `BENCH_IN_FLIGHT` cases in flight, and the process's
 *   CPU time per case (every node runs in this process, so that is the whole federation's);
 * - the Binder (a fresh one, registry over SOAP): resolve of tax's transfer service from its cache,
 *   the same after `invalidate` (one get_businessDetail), and the certificates of a department;
 * - one lease refresh of a department's self-registration (what every department does every
 *   INTERFLOW_REGISTRY_REFRESH seconds);
 * - RegisteredEndpoints.ownerOf, which tells whose a Wf-XML observer address is (the check behind
 *   every Wf-XML notification and factory call by URL), for a registered address and for one no
 *   department publishes.
 * Target: each within ±20 % between 3 and 300 departments.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Binder, parseCertificate, RegistryClient, SelfRegistration, TRANSFER_SERVICE_OFFERING } from '../src/binding';
import { loadSigningIdentity } from '../src/transfer/signing';
import { RegisteredEndpoints, TRANSFER_SERVICE_TYPE } from '../src/transfer';
import { TransferFederation, passwordOf } from '../test/transfer/federation-support';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const MORE = Number(process.env.BENCH_DEPARTMENTS ?? 300) - 3;

export interface DepartmentRates {
  departments: number;
  casesPerSecond: number;
  cpuMsPerCase: number;
  resolveCachedUs: number;
  resolveUncachedPerSecond: number;
  /** CPU of this process (binder and hub both) per uncached resolve: what the machine's load does not distort. */
  resolveUncachedCpuUs: number;
  certificatesUncachedPerSecond: number;
  certificatesUncachedCpuUs: number;
  ownerOfRegisteredUs: number;
  ownerOfUnknownUs: number;
  /** One lease refresh of market's self-registration (tModels, its entry read, save_business): wall and CPU µs. */
  registrationUs: number;
  registrationCpuUs: number;
  load: number;
}

/** Calls fn for ~ms milliseconds (after a short warm-up); wall and CPU microseconds per call. */
async function perCall(ms: number, fn: () => Promise<unknown>): Promise<{ us: number; cpuUs: number }> {
  for (let i = 0; i < 20; i++) await fn();
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  const until = Date.now() + ms;
  while (Date.now() < until || n < 20) {
    await fn();
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  return { us: Number(process.hrtime.bigint() - t) / 1e3 / n, cpuUs: (cpu.user + cpu.system) / n };
}

async function perCallUs(ms: number, fn: () => Promise<unknown>): Promise<number> {
  return (await perCall(ms, fn)).us;
}

async function measure(fed: TransferFederation, departments: number): Promise<DepartmentRates> {
  const load = loadavg()[0];
  const market = fed.dept('market');
  const closedCount = async () => (await market.engine.listInstances({ statePrefix: 'closed.', processId: 'business_licence_express', limit: 1 })).total;
  const base = await closedCount();
  let started = 0;
  let completed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const deadline = Date.now() + SECONDS * 1000;
  while (Date.now() < deadline) {
    while (started - completed < IN_FLIGHT) {
      await market.engine.startProcess('business_licence_express', { data: { applicantId: `G${departments}-${started}`, businessName: 'Growth', address: started % 10 === 0 ? 'basement' : 'street' } });
      started++;
    }
    await new Promise((r) => setTimeout(r, 50));
    completed = (await closedCount()) - base;
  }
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  completed = (await closedCount()) - base;
  // Let the cases still in flight finish, so they do not weigh on the next measurement.
  for (let i = 0; i < 600 && (await closedCount()) - base < started; i++) await new Promise((r) => setTimeout(r, 100));

  const binder = new Binder({ registry: new RegistryClient({ baseUrl: fed.url }), keys: fed.keys });
  const tax = { department: 'tax', service: TRANSFER_SERVICE_TYPE };
  const resolveCachedUs = await perCallUs(500, () => binder.resolve(tax));
  const uncached = await perCall(2000, () => (binder.invalidate('tax'), binder.resolve(tax)));
  const certificates = await perCall(2000, () => binder.certificatesOf('fire', { refresh: true }));
  const endpoints = new RegisteredEndpoints({ binder, registry: new RegistryClient({ baseUrl: fed.url }), cacheTtlSeconds: 3600 });
  const taxObserver = (await binder.resolve({ department: 'tax', service: 'wfxml-observer' }))[0].url;
  if ((await endpoints.ownerOf(`${taxObserver}/case-1`, 'wfxml-observer')) !== 'tax') throw new Error('ownerOf did not find tax');
  // The binder's own cache lasts 30 s: long enough for these two.
  const ownerOfRegisteredUs = await perCallUs(1000, () => endpoints.ownerOf(`${taxObserver}/case-1`, 'wfxml-observer'));
  const ownerOfUnknownUs = await perCallUs(1000, () => endpoints.ownerOf('http://stranger.example/observer', 'wfxml-observer'));
  const registration = await perCall(2000, () => market.registration!.registerOnce());
  const r: DepartmentRates = {
    departments,
    casesPerSecond: completed / elapsed,
    cpuMsPerCase: (cpu.user + cpu.system) / 1000 / Math.max(1, completed),
    resolveCachedUs,
    resolveUncachedPerSecond: 1e6 / uncached.us,
    resolveUncachedCpuUs: uncached.cpuUs,
    certificatesUncachedPerSecond: 1e6 / certificates.us,
    certificatesUncachedCpuUs: certificates.cpuUs,
    ownerOfRegisteredUs,
    ownerOfUnknownUs,
    registrationUs: registration.us,
    registrationCpuUs: registration.cpuUs,
    load,
  };
  console.log(
    `  ${String(departments).padStart(3)} departments (load ${load.toFixed(1)}): ${r.casesPerSecond.toFixed(1)} cases/s (${completed} in ${elapsed.toFixed(1)} s, 4 signed transfers each), CPU ${r.cpuMsPerCase.toFixed(1)} ms/case; ` +
      `resolve cached ${r.resolveCachedUs.toFixed(1)} µs, uncached ${r.resolveUncachedPerSecond.toFixed(0)}/s (CPU ${r.resolveUncachedCpuUs.toFixed(0)} µs), certificates uncached ${r.certificatesUncachedPerSecond.toFixed(0)}/s (CPU ${r.certificatesUncachedCpuUs.toFixed(0)} µs); ` +
      `ownerOf registered ${r.ownerOfRegisteredUs.toFixed(0)} µs, unknown ${r.ownerOfUnknownUs.toFixed(0)} µs; ` +
      `a registration refresh ${(r.registrationUs / 1000).toFixed(1)} ms (CPU ${(r.registrationCpuUs / 1000).toFixed(1)} ms)`,
  );
  return r;
}

/** Registers `count` more departments, each as its engine's self-registration would. */
async function registerMore(fed: TransferFederation, count: number): Promise<void> {
  const t = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'interflow-growth-departments-'));
  const definitions = await fed.dept('market').engine.listDefinitions();
  const log = pino({ level: 'silent' });
  try {
    const codes = Array.from({ length: count }, (_, i) => `dept-${String(i + 1).padStart(3, '0')}`);
    for (let i = 0; i < codes.length; i += 4) {
      await Promise.all(
        codes.slice(i, i + 4).map(async (code) => {
          await fed.registry.createPublisher(code, passwordOf(code), { department: code });
          const identity = await loadSigningIdentity({ dataDir: dir, department: code });
          const registration = new SelfRegistration({
            registry: new RegistryClient({ baseUrl: fed.url }),
            user: code,
            password: passwordOf(code),
            department: code,
            keys: fed.keys,
            refreshSeconds: 3600,
            certificate: parseCertificate(identity.certificatePem),
            extraServices: [TRANSFER_SERVICE_OFFERING],
            engine: { listDefinitions: async () => definitions },
            log,
          });
          await registration.registerOnce(`http://127.0.0.1:9/${code}`);
          await registration.stop({ expireLease: false });
        }),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`  ${count} more departments registered (publisher, certificate, tModels, businessEntity) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

export async function benchGrowthDepartments(): Promise<{ small: DepartmentRates; large: DepartmentRates }> {
  console.log(`bench/growth departments: hub + market + tax + fire in this process, then ${MORE} more departments registered; ${IN_FLIGHT} express licence cases in flight, ~${SECONDS} s each`);
  const fed = await TransferFederation.open();
  try {
    // The first round warms the JIT and caches up; the comparison is between the two after it.
    await measure(fed, 3);
    const small = await measure(fed, 3);
    await registerMore(fed, MORE);
    const large = await measure(fed, 3 + MORE);
    const keys = ['casesPerSecond', 'cpuMsPerCase', 'resolveCachedUs', 'resolveUncachedPerSecond', 'resolveUncachedCpuUs', 'certificatesUncachedPerSecond', 'certificatesUncachedCpuUs', 'ownerOfRegisteredUs', 'ownerOfUnknownUs', 'registrationUs', 'registrationCpuUs'] as const;
    for (const k of keys) console.log(`  ${k.padEnd(30)} ${(large[k] / small[k]).toFixed(2)}x at ${large.departments} vs ${small.departments} departments (target 0.8–1.2)`);
    return { small, large };
  } finally {
    await fed.close();
  }
}

if (require.main === module) {
  benchGrowthDepartments().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
