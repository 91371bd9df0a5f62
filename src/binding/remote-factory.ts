import pino, { type Logger } from 'pino';
import type { Binder } from './binder';
import { BindingError, type BindingAttempt } from './binding-error';
import { SERVICE_TYPES } from './department-entries';
import { departmentCodeOf, type Endpoint } from './department-view';
import { RegistryUnavailableError } from './registry-client';
import type { UddiInquiry } from './uddi-api';

/**
 * Finding the Wf-XML factory of a process through the registry, for remote subprocesses
 * (docs/remote-subprocess.md). The Binder answers "which endpoints of department D (or of the
 * performers of capability C) offer service S"; a remote SubFlow usually names neither, only the
 * process it wants started. So the departments come from a find_service on interflow:process-id
 * and service type wfxml-factory, and each is then called through binder.invoke, which brings the
 * UDDI invocation pattern (a moved factory is followed, a dead binding skipped) and the binder's
 * cache of whole department entries.
 */

export interface FactoryTarget {
  /** The process the remote factory creates instances of. */
  processId: string;
  /** Only this department's factory. */
  department?: string;
  /** Only a factory that lists this capability (<processId>/<activityId>). */
  capability?: string;
}

export interface RemoteFactoryFinderOptions {
  binder: Binder;
  /**
   * The registry to search for departments offering a process, when the target names no
   * department or capability. Without it only targets that do can be bound.
   */
  registry?: UddiInquiry;
  /** How long the departments offering a process are reused; default the binder's usual 30 s. */
  cacheTtlSeconds?: number;
  log?: Logger;
  clock?: () => Date;
}

export class RemoteFactoryFinder {
  private readonly offering = new Map<string, { codes: string[]; fetchedAt: number }>();
  private readonly ttlMs: number;
  private readonly log: Logger;
  private readonly clock: () => Date;

  constructor(private readonly o: RemoteFactoryFinderOptions) {
    this.ttlMs = (o.cacheTtlSeconds ?? 30) * 1000;
    this.log = (o.log ?? pino({ level: 'silent' })).child({ component: 'remote-factory-finder' });
    this.clock = o.clock ?? (() => new Date());
  }

  /**
   * Codes of the departments whose registry entries offer a Wf-XML factory for the process, in
   * registry order. An empty answer is not cached: a department that registers the process later
   * must be found on the next try.
   */
  async departmentsOffering(processId: string, options: { refresh?: boolean } = {}): Promise<string[]> {
    const cached = this.offering.get(processId);
    if (cached && !options.refresh && this.clock().getTime() - cached.fetchedAt < this.ttlMs) return cached.codes;
    const registry = this.o.registry;
    if (!registry) {
      throw new BindingError(
        'INVALID_TARGET',
        `cannot search the registry for a factory of process "${processId}": no registry is configured (INTERFLOW_REGISTRY_URL); name the department instead (RemoteDepartment extended attribute or INTERFLOW_REMOTE_FACTORIES)`,
      );
    }
    const keys = this.o.binder.keys;
    let codes: string[];
    try {
      const found = await registry.findService({
        categoryBag: {
          keyedReferences: [
            { tModelKey: keys.category('service-type'), keyValue: SERVICE_TYPES.factory },
            { tModelKey: keys.category('process-id'), keyValue: processId },
          ],
          keyedReferenceGroups: [],
        },
        maxRows: 1000,
      });
      const businessKeys = [...new Set(found.items.map((s) => s.businessKey))];
      codes = [];
      if (businessKeys.length) {
        for (const business of await registry.getBusinessDetail(businessKeys)) {
          const code = departmentCodeOf(business, keys);
          // Only the owner of a department's key speaks for it; a look-alike entry offering the
          // process under someone else's code is ignored, as the Binder does for capabilities.
          if (code && keys.department(code) === business.businessKey) codes.push(code);
        }
      }
    } catch (e) {
      if (e instanceof RegistryUnavailableError) {
        if (cached) {
          this.log.warn({ processId, err: e.message }, 'registry unreachable; using the departments found before');
          return cached.codes;
        }
        throw new BindingError('REGISTRY_UNAVAILABLE', `cannot look up the factories of process "${processId}": the registry is unreachable (${e.message})`, [], e);
      }
      throw e;
    }
    if (codes.length) this.offering.set(processId, { codes, fetchedAt: this.clock().getTime() });
    else this.offering.delete(processId);
    return codes;
  }

  /**
   * Calls fn with a factory endpoint of the target until one answers. With a department or a
   * capability this is one binder.invoke; otherwise each department offering the process is tried
   * in turn. Errors of fn that are not endpoint failures (a SOAP fault: the factory's answer) are
   * thrown unchanged; when no endpoint could be reached, a BindingError says what was tried.
   */
  async invoke<T>(target: FactoryTarget, fn: (endpoint: Endpoint) => Promise<T>): Promise<T> {
    const { binder } = this.o;
    const service = SERVICE_TYPES.factory;
    if (target.department || target.capability) {
      return binder.invoke({ service, processId: target.processId, ...(target.department ? { department: target.department } : {}), ...(target.capability ? { capability: target.capability } : {}) }, fn);
    }
    let codes = await this.departmentsOffering(target.processId);
    if (!codes.length) {
      throw new BindingError('NO_ENDPOINT', `no department in the registry offers a Wf-XML factory for process "${target.processId}" (service type wfxml-factory, interflow:process-id ${target.processId}); the case waits until one registers`);
    }
    const failures: string[] = [];
    const attempts: BindingAttempt[] = [];
    for (let round = 0; round < 2; round++) {
      for (const department of codes) {
        try {
          return await binder.invoke({ department, service, processId: target.processId }, fn);
        } catch (e) {
          if (!(e instanceof BindingError) || e.code === 'INVALID_TARGET') throw e;
          failures.push(`${department}: ${e.message}`);
          attempts.push(...e.attempts);
        }
      }
      // Every department found failed: the list may be older than the registry's present (one
      // withdrew, another registered since). Ask once more before giving up.
      if (round > 0) break;
      const fresh = await this.departmentsOffering(target.processId, { refresh: true });
      const unseen = fresh.filter((c) => !codes.includes(c));
      if (!unseen.length) break;
      codes = unseen;
    }
    throw new BindingError('ALL_ENDPOINTS_FAILED', `no factory for process "${target.processId}" could be reached: ${failures.join('; ')}`, attempts);
  }
}
