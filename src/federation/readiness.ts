import { createServer } from 'node:net';
import { FederationKeys, RegistryClient } from '../binding';
import { listRegistry } from '../binding';
import { TRANSFER_SERVICE_TYPE } from '../transfer';
import { ChildExitError, type SupervisedProcess } from './supervisor';

/** Readiness checks of the launcher: ports, /health, registration in the registry, installed definitions. */

export class PortTakenError extends Error {}

/**
 * Fails before anything starts when a port is in use, naming who needed it: a child that cannot
 * bind would otherwise die with EADDRINUSE deep in its own log.
 */
export async function assertPortsFree(host: string, ports: Array<{ port: number; who: string }>): Promise<void> {
  const taken: string[] = [];
  for (const { port, who } of ports) {
    const problem = await probePort(host, port);
    if (problem) taken.push(`port ${port} (${who}) ${problem}`);
  }
  if (taken.length) {
    throw new PortTakenError(`cannot start the federation on ${host}: ${taken.join('; ')}. Stop what uses ${taken.length > 1 ? 'them' : 'it'}, or choose other ports with --base-port N (uses N to N+${ports.length - 1}).`);
  }
}

function probePort(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE' ? 'is already in use' : e.code === 'EACCES' ? 'needs privileges this user lacks' : `cannot be used (${e.code ?? e.message})`));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** A port nobody listens on right now (the kernel's choice); for tests and --base-port 0. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Processes whose exit ends the wait at once with their log's tail. */
  watch?: readonly SupervisedProcess[];
  /** Aborting ends the wait with an error. */
  signal?: AbortSignal;
}

/** Polls check() until it returns something truthy; fails with `what` on timeout or when a watched process exits. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false | null>, options: WaitOptions = {}): Promise<T> {
  const until = Date.now() + (options.timeoutMs ?? 60_000);
  const interval = options.intervalMs ?? 200;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) throw new Error(`stopped while waiting for ${what}`);
    for (const p of options.watch ?? []) {
      if (!p.running) {
        const { code, signal } = await p.exited;
        throw new ChildExitError(p, code, signal);
      }
    }
    try {
      const v = await check();
      if (v) return v;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > until) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const logs = (options.watch ?? []).map((p) => p.logFile);
      throw new Error(`timed out waiting for ${what}${why}${logs.length ? `; see ${logs.join(', ')}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

export async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

export interface RegisteredDepartment {
  code: string;
  name: string;
  transferService?: string;
  live: boolean;
  certificate: boolean;
}

/** The departments the registry knows, as every other engine will find them (the UDDI Inquiry API). */
export async function registeredDepartments(registryUrl: string, federationDomain: string): Promise<Map<string, RegisteredDepartment>> {
  const listing = await listRegistry(new RegistryClient({ baseUrl: registryUrl, timeoutMs: 3000 }), new FederationKeys(federationDomain));
  const out = new Map<string, RegisteredDepartment>();
  for (const b of listing) {
    if (!b.department) continue;
    const transfer = b.services.find((s) => s.type === TRANSFER_SERVICE_TYPE);
    const binding = transfer?.bindings.find((x) => x.lease === 'live') ?? transfer?.bindings[0];
    out.set(b.department, {
      code: b.department,
      name: b.name,
      ...(binding?.accessPoint ? { transferService: binding.accessPoint } : {}),
      live: binding?.lease === 'live',
      certificate: b.certificates.some((c) => 'fingerprint' in c),
    });
  }
  return out;
}

/**
 * True once the department is registered at `publicUrl` with a live lease and a certificate: from
 * then on other engines find it, and can verify what it signs.
 */
export async function registeredAt(registryUrl: string, federationDomain: string, code: string, publicUrl: string): Promise<boolean> {
  const d = (await registeredDepartments(registryUrl, federationDomain)).get(code);
  return Boolean(d && d.live && d.certificate && d.transferService?.startsWith(`${publicUrl}/`));
}
