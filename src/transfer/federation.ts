import { join } from 'node:path';
import type { Logger } from 'pino';
import type { MessageLogRepository, TransferRepositories } from './repository';
import type { WorkflowEngine } from '../engine';
import type { SoapServiceDefinition } from '../services/soap';
import { parseCertificate, RegistryClient, type Binder, type PublishedCertificate, type UddiInquiry } from '../binding';
import type { WfxmlTrust } from '../services/wfxml';
import { inThisThread, loadSigningIdentity, ReplayCache, SigningThreads, type ReplayCacheLike, type SigningIdentity } from './signing';
import { RegisteredEndpoints } from './registered-endpoints';
import { MessageLog } from './message-log';
import { HeldPackages, installFromEnv } from './held-packages';
import { RegistryDirectory } from './registry-directory';
import { transferService } from './transfer-service';
import { TransferDispatcher, type RoutingMode } from './transfer-dispatcher';
import { relayService } from './relay-service';
import { remoteSubprocessDispatcherFromEnv, type RemoteSubprocessDispatcher, type RemoteSubprocessOverrides } from './remote-subprocess-dispatcher';
import { outboxSettingsFromEnv } from '../outbox';

/** A department engine's part in the federation: its TransferService and its dispatcher. */
export interface DepartmentFederation {
  identity: SigningIdentity;
  /** The certificate to publish in the registry (the trust store). */
  certificate: PublishedCertificate;
  messageLog: MessageLog;
  /** Packages other departments published here that wait for an administrator. */
  heldPackages: HeldPackages;
  directory: RegistryDirectory;
  services: SoapServiceDefinition[];
  dispatcher: TransferDispatcher;
  /**
   * Signing and checking of Wf-XML calls between departments (docs/wfxml.md): give it to
   * wfxmlServices and the ObserverDispatcher; the remote subprocess dispatcher already has it.
   */
  wfxml: WfxmlTrust;
  /** Starts remote subprocesses (Wf-XML CreateInstance) of this department's cases: docs/remote-subprocess.md. */
  remoteSubprocesses: RemoteSubprocessDispatcher;
  /** `publicUrl`: this engine's address, when known only once it listens (else INTERFLOW_PUBLIC_URL or its registry entry). */
  start(publicUrl?: string): void;
  stop(): Promise<void>;
  /**
   * The registry answers again after an outage: rows that failed meanwhile become due now and the
   * dispatchers run a pass at once, instead of each waiting out its backoff (up to a minute).
   */
  registryBack(): Promise<void>;
}

export interface DepartmentFederationOptions {
  engine: WorkflowEngine;
  /** The message log and held packages, in the engine's database (src/app wires them). */
  repositories: TransferRepositories;
  binder: Binder;
  log: Logger;
  /** The environment its settings are parsed from (src/app's Settings gives it). */
  env: NodeJS.ProcessEnv;
  /** Where generated keys go (default ./data). */
  dataDir?: string;
  /** The registry searched for factories of remote subprocesses (default a client of INTERFLOW_REGISTRY_URL). */
  registry?: UddiInquiry;
  remoteSubprocess?: RemoteSubprocessOverrides;
  /** The department's one replay cache, shared by its replicas (src/app replicaState); default one in memory. */
  replayCache?: ReplayCacheLike;
  /** Makes outbox rows waiting out a backoff due now (src/persistence SharedState.outboxDueNow). */
  outboxDueNow?: (now: Date) => Promise<number>;
}

/**
 * INTERFLOW_SIGNING_THREADS: worker threads that sign and verify transfers (default 0: the event
 * loop does it). Measured on the 2-core development machine running the whole federation, a
 * thread cost more CPU per case than it saved (bench/RESULTS.md); a department with cores of its
 * own is where it can pay.
 */
export function signingThreadsFromEnv(env: NodeJS.ProcessEnv): number {
  const text = env.INTERFLOW_SIGNING_THREADS?.trim();
  if (!text) return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new Error(`INTERFLOW_SIGNING_THREADS must be a whole number from 0 to 64, not "${text}"`);
  return n;
}

export function routingFromEnv(env: NodeJS.ProcessEnv): { routing: RoutingMode; hubUrl?: string } {
  const routing = (env.INTERFLOW_ROUTING?.trim() || 'direct') as RoutingMode;
  if (routing !== 'direct' && routing !== 'relay') throw new Error(`INTERFLOW_ROUTING must be direct or relay, not "${routing}"`);
  const hubUrl = env.INTERFLOW_HUB_URL?.trim() || env.INTERFLOW_REGISTRY_URL?.trim() || undefined;
  return { routing, ...(hubUrl ? { hubUrl } : {}) };
}

/**
 * Assembles a department's transfer layer from the environment: its signing identity
 * (INTERFLOW_SIGNING_KEY/CERT, or keys generated under the data directory), the message log, the
 * registry as directory and trust store, the TransferService, and the dispatcher
 * (INTERFLOW_ROUTING=direct|relay, INTERFLOW_HUB_URL for relayed routing).
 */
export async function departmentFederation(o: DepartmentFederationOptions): Promise<DepartmentFederation> {
  const env = o.env;
  const department = o.engine.department;
  if (!department) throw new Error('a department engine needs INTERFLOW_DEPARTMENT to take part in transfers');
  const identity = await loadSigningIdentity({
    ...(env.INTERFLOW_SIGNING_KEY ? { keyFile: env.INTERFLOW_SIGNING_KEY } : {}),
    ...(env.INTERFLOW_SIGNING_CERT ? { certFile: env.INTERFLOW_SIGNING_CERT } : {}),
    dataDir: o.dataDir ?? env.INTERFLOW_DATA_DIR ?? join(process.cwd(), 'data'),
    department,
  });
  const certificate = parseCertificate(identity.certificatePem);
  const messageLog = new MessageLog(o.repositories.messages);
  const heldPackages = new HeldPackages(o.repositories.heldPackages, o.engine);
  const directory = new RegistryDirectory(o.binder);
  const log = o.log.child({ component: 'transfer' });
  const threads = signingThreadsFromEnv(env);
  const crypto = threads > 0 ? new SigningThreads(threads) : inThisThread;
  if (threads > 0) o.log.info({ threads }, `transfers are signed and verified in ${threads} worker thread${threads === 1 ? '' : 's'} (INTERFLOW_SIGNING_THREADS)`);
  const dispatcher = new TransferDispatcher({ engine: o.engine, identity, crypto, directory, messageLog, log, ...routingFromEnv(env), ...outboxSettingsFromEnv(env) });
  const registryUrl = env.INTERFLOW_REGISTRY_URL?.trim();
  const registry = o.registry ?? (registryUrl ? new RegistryClient({ baseUrl: registryUrl }) : undefined);
  const replayCache = o.replayCache ?? new ReplayCache();
  // The same key, trust store and replay protection as transfers: one identity per department.
  const wfxml: WfxmlTrust = {
    department,
    identity,
    certificateFor: (d) => directory.certificateFor(d),
    replayCache,
    endpoints: new RegisteredEndpoints({ binder: o.binder, ...(registry ? { registry } : {}) }),
  };
  const remoteSubprocesses = remoteSubprocessDispatcherFromEnv({ engine: o.engine, binder: o.binder, log: o.log, env, trust: wfxml, ...(registry ? { registry } : {}), ...(o.remoteSubprocess ? { overrides: o.remoteSubprocess } : {}) });
  return {
    identity,
    certificate,
    messageLog,
    directory,
    heldPackages,
    services: [transferService({ engine: o.engine, directory, messageLog, log, heldPackages, installFrom: installFromEnv(env), replayCache, crypto })],
    dispatcher,
    wfxml,
    remoteSubprocesses,
    start: (publicUrl?: string) => {
      dispatcher.start();
      remoteSubprocesses.start(publicUrl);
    },
    stop: async () => {
      await Promise.all([dispatcher.stop(), remoteSubprocesses.stop()]);
      await crypto.close();
    },
    registryBack: async () => {
      o.binder.invalidate();
      const due = o.outboxDueNow ? await o.outboxDueNow(o.engine.clock.now()) : 0;
      log.info({ due }, 'registry reachable again: waiting hand-overs are sent now');
      dispatcher.kick();
      remoteSubprocesses.kick();
    },
  };
}

/**
 * The hub's relay, for `registry serve`. The binder is read when the first message arrives: the
 * hub finds receivers through its own registry, whose address is known only once it listens.
 */
export function hubRelay(o: { messages: MessageLogRepository; binder: () => Binder | undefined; log: Logger }): SoapServiceDefinition {
  let directory: RegistryDirectory | undefined;
  const current = (): RegistryDirectory => {
    const binder = o.binder();
    if (!binder) throw new Error('the hub is still starting');
    directory ??= new RegistryDirectory(binder);
    return directory;
  };
  return relayService({
    directory: { deliver: (d, post) => current().deliver(d, post), certificateFor: (d) => current().certificateFor(d) },
    messageLog: new MessageLog(o.messages),
    log: o.log.child({ component: 'relay' }),
  });
}
