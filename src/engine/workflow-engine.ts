import { createHash } from 'node:crypto';
import { intraDepartmentOwners } from './definition/data-contract';
import { systemClock, type Clock } from './clock';
import { uuidIds, type IdGenerator } from './ids';
import { HandlerRegistry } from './handlers/application-handler';
import { CompiledDefinition } from './definition/compiled-definition';
import { prepareLanguage } from './definition/language-compiler';
import type { DefinitionPackage, ProcessDefinition } from './definition/process-definition';
import { ConcurrencyError, type InstanceFilter, type OutboxDepth, type Store, type StoreTx, type WorkItemFilter } from './ports/store';
import type { DefinitionRecord, HistoryRecord, InstanceRecord, OutboxRecord, TimerRecord, WorkItemRecord } from './ports/records';
import { DefinitionError, EngineError, IllegalStateError, InvalidDataError, NotAuthorisedError, NotFoundError } from './errors';
import { activityForm, missingRequiredFields, type ActivityForm } from './definition/form-contract';
import { unconditionalRecursion } from './definition/recursion';
import { InstanceStates, actionForTargetState, isInstanceState, type InstanceState, type StateAction } from './runtime/instance-state';
import { UnitOfWork, type CreateOptions, type EngineEnv } from './runtime/unit-of-work';
import type { InstanceSession } from './runtime/instance-session';
import { coerceData } from './runtime/data-coercion';
import { decisionForm } from './runtime/human-decision';
import { scriptLanguageOf } from './definition/script-language';
import { jsonCopy } from './runtime/json-copy';

export interface EngineOptions {
  store: Store;
  clock?: Clock;
  ids?: IdGenerator;
  handlers?: HandlerRegistry;
  /** This engine's department code. Without one, the engine performs every department's activities itself. */
  department?: string;
}

/** A hand-over of one activity of another department's case (see docs/transfer-design.md). */
export interface HandOver {
  /** The sender's outbox message id: the idempotency key. */
  itemId: string;
  caseId: string;
  /** The department that holds the case's routing (where results go). */
  home: string;
  /** The department that sent it (the home, or a relay's original sender). */
  sender: string;
  processId: string;
  version: number;
  /** Identifies the definition version across engines, whose local version numbers may differ. */
  contentHash?: string;
  activityId: string;
  activityInstanceId: string;
  data: Record<string, unknown>;
}

export interface HandOverReceipt {
  /** False when this item, or its activity instance under another item, was taken before: nothing changed. */
  accepted: boolean;
  /** The performing instance on this engine. */
  instanceId?: string;
  /** Set when the item is new but its activity instance was taken before: what happened, for the log. */
  reason?: string;
}

/** The observer key of a performing instance: where its result goes. */
export function handOverObserver(h: Pick<HandOver, 'home' | 'caseId' | 'activityInstanceId' | 'itemId'>): string {
  return `transfer:${JSON.stringify([h.home, h.caseId, h.activityInstanceId, h.itemId])}`;
}

/**
 * The inbox key of a handed-over activity instance: beside the item id, so that one activity
 * instance of a case is performed once however many item ids its home sends it under. Hashed
 * because home, case and activity instance come from the sender and the inbox key has 255
 * characters.
 */
export function handOverActivityKey(h: Pick<HandOver, 'home' | 'caseId' | 'activityInstanceId'>): string {
  return `hand-over:${createHash('sha256').update(JSON.stringify([h.home, h.caseId, h.activityInstanceId])).digest('hex')}`;
}

/**
 * The prefixes of every other key in the inbox: activity instances handed over
 * (handOverActivityKey), results (`result:`), Wf-XML notifications (`wfxml:`) and the remote
 * subprocess dispatcher's failures. A hand-over's item id is chosen by its sender and recorded as
 * it is, so it may not take one of them: a department that may hand the performer something of
 * its own could otherwise record another home's key as its item id, and have that home's
 * hand-over refused as taken before.
 */
const RESERVED_INBOX_PREFIXES = ['hand-over:', 'result:', 'wfxml:', 'remote-subprocess:'];

export function parseHandOverObserver(observer: string | undefined): Pick<HandOver, 'home' | 'caseId' | 'activityInstanceId' | 'itemId'> | undefined {
  if (!observer?.startsWith('transfer:')) return undefined;
  const [home, caseId, activityInstanceId, itemId] = JSON.parse(observer.slice('transfer:'.length)) as string[];
  return { home, caseId, activityInstanceId, itemId };
}

export interface StartOptions {
  data?: Record<string, unknown>;
  subject?: string;
  actor?: string;
  /** Wf-XML CreateInstance StartImmediately=false leaves the instance open.notrunning. */
  startImmediately?: boolean;
  observer?: string;
  version?: number;
  instanceId?: string;
  /** With several start events: the one this case starts at (docs/execution.md, "Start"). */
  startAt?: string;
  /**
   * The starter's idempotency key: a start with a key a case of this process already holds starts
   * nothing and returns that case (`existing` is then set on the view). Another starter's key is
   * refused (CONFLICT), so one client cannot learn of another's cases by guessing keys.
   */
  clientKey?: string;
}

export interface DeployOptions {
  /** The XPDL document, kept for download and needed to publish. */
  source?: string;
  actor?: string;
  /** Also publish the package to every other participating department. */
  publish?: boolean;
  /** The package was published to this engine by that department (not deployed by a local administrator). */
  publishedBy?: string;
}

export interface DeployResult {
  processId: string;
  version: number;
  /** False when identical content was already deployed (deploying is idempotent). */
  created: boolean;
}

/** Where a case stands, as `interflow show` and the services present it. */
export interface InstanceView extends InstanceRecord {
  /** Activities in progress with where they wait. */
  openActivities: Array<{
    activityInstanceId: string;
    activityId: string;
    name?: string;
    department?: string;
    state: string;
    error?: string;
  }>;
  /** Activities tokens wait in front of (an AND-join waiting for its other branches, say). */
  waitingAt: string[];
  workItems: WorkItemRecord[];
  /** StartProcess with a client key found the case an earlier start made (nothing was started). */
  existing?: boolean;
}

/** A work item with its form and its case's home (ProcessService WorkItem, console work item page). */
export interface WorkItemDetails {
  item: WorkItemRecord;
  processId?: string;
  homeDepartment?: string;
  homeInstanceId?: string;
  updates: Array<ActivityForm['updates'][number] & { value: unknown }>;
  reads: Array<ActivityForm['reads'][number] & { value: unknown }>;
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * Told after a commit that wrote `written` outbox messages; `claimed` are those written already
 * claimed by the outbox claimer (WorkflowEngine.setOutboxClaimer), the rest wait to be claimed.
 */
export type OutboxListener = (claimed: readonly OutboxRecord[], written: number) => void;

/** Takes a message being written for the local worker: who holds it and until when, or nothing. */
export type OutboxClaimer = (row: OutboxRecord, now: Date) => { owner: string; until: Date } | undefined;

const NONE_CLAIMED: readonly OutboxRecord[] = Object.freeze([]) as readonly OutboxRecord[];
/** How long an engine holds the due timers it claimed before another may take them over. */
const TIMER_LEASE_MS = 60_000;

/**
 * The departmental workflow engine's public API. It speaks in definitions, instances and work
 * items; it knows nothing of HTTP or SOAP. Every command is one transaction.
 */
export class WorkflowEngine {
  readonly store: Store;
  readonly handlers: HandlerRegistry;
  readonly clock: Clock;
  readonly department?: string;
  private readonly env: EngineEnv;
  private readonly cache = new Map<string, CompiledDefinition>();
  /** processId#contentHash → the installed version with that content, as hand-overs name it. */
  private readonly versionOfContent = new Map<string, number>();
  private readonly outboxListeners = new Set<OutboxListener>();
  private outboxClaimer?: OutboxClaimer;
  private readonly deployListeners = new Set<(results: DeployResult[]) => Promise<void> | void>();

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.handlers = options.handlers ?? new HandlerRegistry();
    this.department = options.department;
    this.env = {
      clock: this.clock,
      ids: options.ids ?? uuidIds,
      handlers: this.handlers,
      department: options.department,
      definition: (tx, processId, version) => this.compiled(tx, processId, version),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Definitions

  /**
   * Deploys every process of a package. All of them are validated before any is stored, so a
   * package is deployed whole or not at all. Identical content is not deployed twice.
   */
  async deploy(pkg: DefinitionPackage, options: DeployOptions = {}): Promise<DeployResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deployOnce(pkg, options);
      } catch (e) {
        // A concurrent deploy of the same package took the version number: the next attempt
        // finds its content (a no-op) or takes the next number.
        if (e instanceof ConcurrencyError && attempt < MAX_CONFLICT_RETRIES) continue;
        throw e;
      }
    }
  }

  private async deployOnce(pkg: DefinitionPackage, options: DeployOptions): Promise<DeployResult[]> {
    let published = 0;
    // Loaded outside the transaction: the first load compiles WebAssembly.
    for (const p of pkg.processes) await prepareLanguage(p);
    const results = await this.store.transaction(async (tx) => {
      const known = new Set<string>(pkg.processes.map((p) => p.id));
      for (const d of await tx.listDefinitions()) known.add(d.processId);
      for (const p of pkg.processes) CompiledDefinition.compile({ ...p, version: 0 }, known);
      await this.refuseEndlessRecursion(tx, pkg);
      const owners = await this.ownership(tx, pkg, options);
      const results: DeployResult[] = [];
      // Versions first (a process's new version, or the one with identical content), so that each
      // version can pin the versions of the subprocesses it calls: those deployed with it in the
      // package, else the latest deployed now (docs/execution.md, "Subprocess versions").
      const planned = new Map<string, { hash: string; same?: DefinitionRecord; version: number }>();
      for (const p of pkg.processes) {
        const hash = contentHashOf(p);
        // Latest first: each statement may see what another deploy committed since the one before
        // (MySQL reads committed rows), and a version found by hash after it is never older.
        const latest = await tx.latestDefinitionVersion(p.id);
        const same = await tx.findDefinitionByHash(p.id, hash);
        planned.set(p.id, { hash, same, version: same?.version ?? (latest ?? 0) + 1 });
      }
      for (const p of pkg.processes) {
        const { version: _ignored, subprocessVersions: _pinned, ...content } = p;
        const plan = planned.get(p.id)!;
        const pins: Record<string, number> = {};
        for (const a of p.activities) {
          if (a.kind !== 'subprocess' || !a.subprocess) continue;
          const callee = a.subprocess.processId;
          const v = planned.get(callee)?.version ?? (await tx.latestDefinitionVersion(callee));
          if (v !== undefined) pins[callee] = v;
        }
        const hash = plan.hash;
        const same = plan.same;
        if (same && canonicalJson(same.definition.subprocessVersions ?? {}) === canonicalJson(pins)) {
          results.push({ processId: p.id, version: same.version, created: false });
          continue;
        }
        // Identical content whose subprocesses have moved on gets a new version (same content
        // hash): redeploying a parent re-pins it to the children deployed now.
        const latestNow = await tx.latestDefinitionVersion(p.id);
        const version = same ? (latestNow ?? 0) + 1 : plan.version;
        plan.version = version;
        const record: DefinitionRecord = {
          processId: p.id,
          version,
          packageId: pkg.id,
          name: p.name,
          definition: { ...content, version, ...(Object.keys(pins).length ? { subprocessVersions: pins } : {}) },
          source: options.source,
          contentHash: hash,
          deployedAt: this.clock.now(),
          deployedBy: options.actor,
          ...(owners.get(p.id) ? { owner: owners.get(p.id) } : {}),
        };
        await tx.insertDefinition(record);
        results.push({ processId: p.id, version, created: true });
      }
      if (options.publish) {
        // Publishing (patent: a definition is defined once and installed by every participating
        // subsystem) leaves through the outbox with the deployment, so it cannot be lost.
        const source = options.source;
        if (!source) throw new EngineError('INVALID_DEFINITION', 'publishing needs the package source (the XPDL document)');
        const now = this.clock.now();
        const messages = participatingDepartments(pkg)
          .filter((d) => d !== this.department)
          .map((destination) => ({
            id: this.env.ids.messageId(),
            instanceId: `package:${pkg.id}`.slice(0, 64),
            kind: 'publish' as const,
            destination,
            payload: { packageId: pkg.id, source, publisher: this.department ?? null },
            state: 'pending' as const,
            attempts: 0,
            nextAttemptAt: now,
            createdAt: now,
          }));
        if (messages.length) await tx.enqueueOutbox(messages);
        published = messages.length;
      }
      return results;
    });
    if (published) for (const listener of this.outboxListeners) listener(NONE_CLAIMED, published);
    if (results.some((r) => r.created) && this.deployListeners.size) {
      // Before the deploy reports success: what the server tells others about its definitions
      // (the registry's capabilities) is brought up to date first. A listener's failure is its own.
      await Promise.allSettled([...this.deployListeners].map((listener) => listener(results)));
    }
    return results;
  }

  /**
   * Runs `listener` after every deploy that created a version, and waits for it before the deploy
   * returns: a department server re-registers its capabilities there (docs/registry.md). Returns
   * the unsubscribe function.
   */
  onDeployed(listener: (results: DeployResult[]) => Promise<void> | void): () => void {
    this.deployListeners.add(listener);
    return () => this.deployListeners.delete(listener);
  }

  /**
   * Refuses (NotAuthorisedError, naming the process) a package department `from` may not install
   * here, without changing anything: what a held package is checked against before it is held.
   */
  /** Refuses a package with a process that calls itself through subprocesses before any wait state. */
  private async refuseEndlessRecursion(tx: StoreTx, pkg: DefinitionPackage): Promise<void> {
    const processes = new Map<string, ProcessDefinition>(pkg.processes.map((p) => [p.id, p]));
    const pending = pkg.processes.flatMap((p) => this.subprocessIds(p));
    while (pending.length) {
      const id = pending.pop()!;
      if (processes.has(id)) continue;
      const rec = await tx.findDefinition(id);
      if (!rec) continue;
      processes.set(id, rec.definition);
      pending.push(...this.subprocessIds(rec.definition));
    }
    for (const p of pkg.processes) {
      const problems = unconditionalRecursion(processes, [p.id], this.department);
      if (problems.length) throw new DefinitionError(p.id, problems);
    }
  }

  async checkPublication(pkg: DefinitionPackage, from: string): Promise<void> {
    await this.store.read(async (tx) => {
      await this.ownership(tx, pkg, { publishedBy: from });
    });
  }

  /**
   * Who owns each process of the package once deployed, refusing what the deployer may not do
   * (docs/security-model.md, "Publishing"): a process belongs to its definer, except a
   * department's intra-department process, which belongs to that department; only the owner
   * publishes new versions, and a department's own processes are never replaced from outside.
   * Identical content is always fine: it changes nothing.
   */
  private async ownership(tx: StoreTx, pkg: DefinitionPackage, options: DeployOptions): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const intra = intraDepartmentOwners(pkg);
    const here = this.department;
    const deployer = options.publishedBy ?? here;
    for (const p of pkg.processes) {
      const latest = await tx.findDefinition(p.id);
      const unchanged = latest ? !!(await tx.findDefinitionByHash(p.id, contentHashOf(p))) : false;
      const owner = latest?.owner ?? intra.get(p.id) ?? deployer;
      if (owner) owners.set(p.id, owner);
      if (unchanged) continue;
      if (options.publishedBy) {
        if (latest && owner === here) {
          throw new NotAuthorisedError(`package ${pkg.id} from department ${options.publishedBy} would replace process "${p.id}", which is department ${here}'s own; only ${here} deploys new versions of it`);
        }
        if (latest && owner !== options.publishedBy) {
          throw new NotAuthorisedError(`package ${pkg.id} from department ${options.publishedBy} would replace process "${p.id}", which department ${owner} defined; only ${owner} publishes new versions`);
        }
        if (!latest && intra.get(p.id) === here) {
          continue; // this department's own process, first seeded by the definer: it is ours from now on
        }
      } else if (options.publish && latest && owner !== deployer && deployer) {
        throw new NotAuthorisedError(`process "${p.id}" was defined by department ${owner}; only ${owner} publishes new versions (deploy it here without --publish, or ask ${owner})`);
      }
    }
    return owners;
  }

  /**
   * Loads the interpreters the deployed definitions (any version: running cases may use an old
   * one) need, so that a server's first case does not pay for loading QuickJS; a server whose
   * definitions are all in the own language never loads it. Returns the languages loaded.
   */
  async prepareDeployedLanguages(): Promise<string[]> {
    const needed = new Set<string>();
    for (const d of await this.listDefinitions()) {
      if (scriptLanguageOf(d.definition.scriptType) !== 'interflow') needed.add(d.definition.scriptType!);
    }
    const languages = [...new Set([...needed].map((t) => scriptLanguageOf(t)))];
    for (const t of needed) await prepareLanguage({ scriptType: t });
    return languages;
  }

  async listDefinitions(): Promise<DefinitionRecord[]> {
    return this.store.read((tx) => tx.listDefinitions());
  }

  async getDefinition(processId: string, version?: number): Promise<DefinitionRecord> {
    const rec = await this.store.read((tx) => tx.findDefinition(processId, version));
    if (!rec) throw this.unknownProcess(processId, version);
    return rec;
  }

  private unknownProcess(processId: string, version?: number): NotFoundError {
    return new NotFoundError(
      'Process definition',
      version ? `${processId} version ${version}` : processId,
      'deploy it first (interflow deploy FILE.xpdl) or list the deployed ones (interflow definitions)',
    );
  }

  private async compiled(tx: StoreTx, processId: string, version?: number): Promise<CompiledDefinition> {
    // Definitions never change once deployed, so the compiled form is cached by version; only
    // "which version is the latest" is asked of the database, which another process may deploy to.
    if (version === undefined) version = await tx.latestDefinitionVersion(processId);
    if (version !== undefined) {
      const hit = this.cache.get(`${processId}@${version}`);
      if (hit) return hit;
    }
    const rec = await tx.findDefinition(processId, version);
    if (!rec) throw this.unknownProcess(processId, version);
    const key = `${rec.processId}@${rec.version}`;
    let c = this.cache.get(key);
    if (!c) {
      await prepareLanguage(rec.definition);
      c = CompiledDefinition.compile(rec.definition, new Set([rec.definition.id, ...this.subprocessIds(rec.definition)]));
      c.contentHash = rec.contentHash;
      this.cache.set(key, c);
    }
    return c;
  }

  /**
   * The installed definition a hand-over names, by content hash (or version). Every hand-over used
   * to read the definition's row — its whole XPDL source and JSON — and parse it; an installed
   * version never changes, so once found it is taken from the compiled cache. Should identical
   * content be installed again as a later version, hand-overs keep the version first found here:
   * the same definition, so the same behaviour.
   */
  private async handedOverDefinition(tx: StoreTx, h: HandOver): Promise<{ version: number; definition: ProcessDefinition } | undefined> {
    const contentKey = h.contentHash ? `${h.processId}#${h.contentHash}` : undefined;
    const known = contentKey ? this.versionOfContent.get(contentKey) : this.cache.has(`${h.processId}@${h.version}`) ? h.version : undefined;
    if (known !== undefined) return { version: known, definition: (await this.compiled(tx, h.processId, known)).def };
    const rec = h.contentHash ? await tx.findDefinitionByHash(h.processId, h.contentHash) : await tx.findDefinition(h.processId, h.version);
    if (rec && contentKey) this.versionOfContent.set(contentKey, rec.version);
    return rec;
  }

  private subprocessIds(def: ProcessDefinition): string[] {
    return def.activities.flatMap((a) => (a.kind === 'subprocess' && a.subprocess ? [a.subprocess.processId] : []));
  }

  // ---------------------------------------------------------------------------------------------
  // Instances

  async startProcess(processId: string, options: StartOptions = {}): Promise<InstanceView> {
    return this.command(async (uow) => {
      if (options.clientKey !== undefined) {
        const existing = await uow.tx.findInstanceByClientKey(processId, options.clientKey);
        if (existing) {
          if ((existing.startedBy ?? null) !== (options.actor ?? null)) {
            throw new EngineError('CONFLICT', `client key ${JSON.stringify(options.clientKey)} of process ${processId} was used by another starter; choose keys unique to your system (a prefix of your own, say)`);
          }
          const def = await this.compiled(uow.tx, existing.processId, existing.version);
          const workItems = await uow.tx.listWorkItems({ instanceId: existing.id, states: ['open', 'suspended'] });
          return { ...buildView(existing, def, workItems), existing: true };
        }
      }
      const created: CreateOptions = {
        data: options.data,
        subject: options.subject,
        actor: options.actor,
        observer: options.observer,
        instanceId: options.instanceId,
        ...(options.clientKey !== undefined ? { clientKey: options.clientKey } : {}),
      };
      const session = await uow.create(processId, created, options.version);
      if (options.startImmediately !== false) await session.start(options.actor, options.startAt);
      else if (options.startAt) session.def.startsFor(options.startAt);
      return () => viewOf(session);
    });
  }

  async getInstance(id: string): Promise<InstanceView> {
    return this.store.read(async (tx) => {
      const rec = await tx.findInstance(id);
      if (!rec) throw new NotFoundError('Process instance', id);
      const def = await this.compiled(tx, rec.processId, rec.version);
      const workItems = await tx.listWorkItems({ instanceId: id, states: ['open', 'suspended'] });
      return buildView(rec, def, workItems);
    });
  }

  async listInstances(filter: InstanceFilter = {}): Promise<{ items: InstanceRecord[]; total: number }> {
    return this.store.read((tx) => tx.listInstances(filter));
  }

  async history(instanceId: string): Promise<HistoryRecord[]> {
    return this.store.read(async (tx) => {
      if (!(await tx.findInstance(instanceId))) throw new NotFoundError('Process instance', instanceId);
      return tx.listHistory(instanceId);
    });
  }

  /**
   * Suspend, resume, terminate (seed 002's monitoring functions). Accepts an action or a Wf-XML
   * target state, as ChangeState sends.
   */
  async changeState(instanceId: string, actionOrState: StateAction | InstanceState | string, actor?: string): Promise<InstanceView> {
    await this.command(async (uow) => {
      const session = await uow.open(instanceId);
      await session.changeState(this.resolveAction(session.state, actionOrState), actor);
    });
    return this.getInstance(instanceId);
  }

  private resolveAction(current: InstanceState, requested: string): StateAction {
    const actions: StateAction[] = ['start', 'suspend', 'resume', 'terminate', 'abort'];
    if ((actions as string[]).includes(requested)) return requested as StateAction;
    if (!isInstanceState(requested)) {
      throw new IllegalStateError(
        `"${requested}" is neither an action (${actions.join(', ')}) nor a Wf-XML state (${Object.values(InstanceStates).join(', ')})`,
      );
    }
    if (requested === InstanceStates.running) return current === InstanceStates.suspended ? 'resume' : 'start';
    const action = actionForTargetState(requested);
    if (!action) throw new IllegalStateError(`An instance cannot be put into state ${requested} from outside; it reaches it by itself`);
    return action;
  }

  async retryActivity(instanceId: string, activityInstanceId: string, actor?: string): Promise<InstanceView> {
    await this.command(async (uow) => (await uow.open(instanceId)).retry(activityInstanceId, actor));
    return this.getInstance(instanceId);
  }

  async updateData(instanceId: string, data: Record<string, unknown>, actor?: string): Promise<InstanceView> {
    await this.command(async (uow) => {
      const session = await uow.open(instanceId);
      if (session.state.startsWith('closed.')) throw new IllegalStateError(`Instance ${instanceId} is ${session.state}; its data can no longer change`);
      session.applyData(coerceData(session.def.def, data), actor);
    });
    return this.getInstance(instanceId);
  }

  // ---------------------------------------------------------------------------------------------
  // Work items

  async worklist(filter: WorkItemFilter = {}): Promise<WorkItemRecord[]> {
    return this.store.read((tx) => tx.listWorkItems({ states: ['open'], ...filter }));
  }

  /**
   * Work items with what their performer needs: the form of each item's activity (fields it
   * updates and shows, with the case's current values) and the home of its case. One read of each
   * case, however many of its items are asked about.
   */
  async describeWorkItems(items: readonly WorkItemRecord[]): Promise<WorkItemDetails[]> {
    if (!items.length) return [];
    return this.store.read(async (tx) => {
      const cases = new Map<string, { rec?: InstanceRecord; def?: CompiledDefinition }>();
      const out: WorkItemDetails[] = [];
      for (const item of items) {
        let c = cases.get(item.instanceId);
        if (!c) {
          const rec = await tx.findInstance(item.instanceId);
          c = { rec, def: rec ? await this.compiled(tx, rec.processId, rec.version) : undefined };
          cases.set(item.instanceId, c);
        }
        const activity = c.def?.def.activities.find((a) => a.id === item.activityId);
        // Assist and notify items hand a question or a message on; their performer fills no form.
        // A decision's form is the choice of branch (`@branch`, the labels as allowed values).
        const form: ActivityForm =
          activity && c.def && item.kind === 'normal' ? activityForm(c.def.def, activity)
          : activity && c.def && item.kind === 'decision' ? decisionForm(c.def, activity)
          : { updates: [], reads: [] };
        const data = c.rec?.data ?? {};
        out.push({
          item,
          processId: c.rec?.processId,
          ...(c.rec?.homeDepartment ? { homeDepartment: c.rec.homeDepartment } : {}),
          ...(c.rec?.homeInstanceId ? { homeInstanceId: c.rec.homeInstanceId } : {}),
          updates: form.updates.map((f) => ({ ...f, value: data[f.id] ?? null })),
          reads: form.reads.map((f) => ({ ...f, value: data[f.id] ?? null })),
        });
      }
      return out;
    });
  }

  async getWorkItem(id: string): Promise<WorkItemRecord> {
    const item = await this.store.read((tx) => tx.findWorkItem(id));
    if (!item) throw new NotFoundError('Work item', id);
    return item;
  }

  async completeWorkItem(workItemId: string, options: { data?: Record<string, unknown>; actor?: string } = {}): Promise<InstanceView> {
    let view: (() => InstanceView) | undefined;
    await this.onWorkItem(workItemId, async (session, item) => {
      if (item.kind === 'normal' && item.state === 'open' && session.state === InstanceStates.running) {
        // Values of the wrong type are refused first, each with its own advice; then what is missing.
        const activity = session.def.activity(item.activityId);
        const missing = missingRequiredFields(activity, coerceData(session.def.def, options.data, activity.updates));
        if (missing.length) {
          throw new InvalidDataError(
            `Work item ${item.id} ("${item.activityName ?? item.activityId}") needs ${missing.map((f) => `"${f}"`).join(', ')}: ${missing.length === 1 ? 'a required field' : 'required fields'} of its form; give ${missing.length === 1 ? 'it a value' : 'each a value'} in Data`,
          );
        }
      }
      await session.completeWorkItem(item, options.data, options.actor);
      view = () => viewOf(session);
    });
    return view!();
  }

  /** Free-flow: hand the work item to someone else; their completion counts as the original performer's. */
  async delegateWorkItem(workItemId: string, to: string, actor?: string): Promise<WorkItemRecord> {
    await this.onWorkItem(workItemId, (session, item) => session.delegate(item, to, actor));
    return this.getWorkItem(workItemId);
  }

  /** Free-flow: ask a helper; the item waits until the helper completes, then returns to its performer. */
  async assistWorkItem(workItemId: string, helper: string, actor?: string, note?: string): Promise<WorkItemRecord> {
    let helpId = '';
    await this.onWorkItem(workItemId, (session, item) => {
      helpId = session.assist(item, helper, actor, note).id;
    });
    return this.getWorkItem(helpId);
  }

  /** Free-flow: tell someone, without waiting for them. */
  async notifyFromWorkItem(workItemId: string, participant: string, actor?: string, message?: string): Promise<WorkItemRecord> {
    let noteId = '';
    await this.onWorkItem(workItemId, (session, item) => {
      noteId = session.notify(item, participant, actor, message).id;
    });
    return this.getWorkItem(noteId);
  }

  private async onWorkItem(
    workItemId: string,
    fn: (session: InstanceSession, item: WorkItemRecord) => unknown,
  ): Promise<string> {
    return this.command(async (uow) => {
      const found = await uow.tx.findWorkItem(workItemId);
      if (!found) throw new NotFoundError('Work item', workItemId, 'list open ones with interflow worklist');
      const session = await uow.open(found.instanceId);
      // Re-read after taking the instance lock: another writer may have closed the item meanwhile.
      const item = session.items.get(workItemId) ?? (await uow.tx.findWorkItem(workItemId)) ?? found;
      await fn(session, item);
      return found.instanceId;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Events from outside: timers, messages, results of transferred or remote activities

  /**
   * Fires timers and deadlines due by now; returns how many fired. Call it periodically. Safe with
   * any number of engines on one database: due timers of running cases are claimed for a lease
   * (like outbox rows), and each is fired by the one transaction that deletes its row — a timer
   * another engine fired meanwhile is found gone and skipped.
   */
  async fireDueTimers(limit = 100, leaseMs = TIMER_LEASE_MS): Promise<number> {
    const due = await this.store.transaction((tx) => tx.claimDueTimers(this.clock.now(), limit, leaseMs));
    let fired = 0;
    for (const timer of due) {
      const done = await this.command(async (uow) => {
        const session = await uow.open(timer.instanceId);
        if (session.state !== InstanceStates.running) return false;
        if (!(await uow.tx.takeTimer(timer.id))) return false; // fired by another engine, or its activity ended
        await session.fireTimer(timer);
        return true;
      }).catch((e) => {
        if (e instanceof NotFoundError) return false;
        throw e;
      });
      if (done) fired++;
    }
    return fired;
  }

  async deliverMessage(instanceId: string, message: string, data: Record<string, unknown> = {}, actor?: string): Promise<InstanceView> {
    await this.command(async (uow) => {
      const delivered = await (await uow.open(instanceId)).deliverMessage(message, data, actor);
      if (!delivered) throw new IllegalStateError(`Instance ${instanceId} is not waiting for message "${message}"`);
    });
    return this.getInstance(instanceId);
  }

  /**
   * Takes a hand-over from another department, exactly once: the item id and the handed-over
   * activity instance (`handOverActivityKey`) go into the inbox and a performing instance starts in
   * the same transaction, at the handed-over activity (or, when the activity names an
   * intra-department process, as an instance of that local process). Its result goes back to the
   * home through the outbox when it closes.
   */
  async acceptHandOver(h: HandOver): Promise<HandOverReceipt> {
    return this.command(async (uow) => {
      const reserved = RESERVED_INBOX_PREFIXES.find((prefix) => h.itemId.startsWith(prefix));
      if (reserved) throw new InvalidDataError(`hand-over item id "${h.itemId}" starts with "${reserved}", which this engine keeps for keys of its own; choose another item id`);
      if (!(await uow.tx.recordInbox(h.itemId, h.sender, uow.now))) return { accepted: false };
      const installed = await this.handedOverDefinition(uow.tx, h);
      if (!installed) {
        throw new NotFoundError('Process definition', `${h.processId} version ${h.version}`, `department ${this.department ?? '(unnamed)'} has not installed it; publish the definition to every participating department`);
      }
      const activity = installed.definition.activities.find((a) => a.id === h.activityId);
      if (!activity) throw new NotFoundError('Activity', h.activityId, `process ${h.processId} version ${h.version} has no such activity`);
      if (!this.department || activity.department !== this.department) {
        throw new NotAuthorisedError(`department ${this.department ?? '(unnamed)'} does not perform activity "${h.activityId}" of ${h.processId} (performed by ${activity.department ?? 'no department'}); hand-over refused`);
      }
      if (h.home !== h.sender) throw new NotAuthorisedError(`a hand-over for a case whose home is ${h.home} may come only from ${h.home}, not from ${h.sender}`);
      const compiled = await this.compiled(uow.tx, h.processId, installed.version);
      const homes = compiled.possibleHomes();
      if (homes && !homes.includes(h.sender)) {
        throw new NotAuthorisedError(`department ${h.sender} cannot be the home of a ${h.processId} case: its first activity is performed by ${homes.join(' or ')}`);
      }
      const contract = compiled.dataContract(h.activityId);
      const reads = new Set(contract.reads);
      const extra = Object.keys(h.data).filter((k) => !reads.has(k));
      if (extra.length) {
        throw new NotAuthorisedError(
          `the hand-over of "${h.activityId}" carries ${extra.map((k) => `"${k}"`).join(', ')}, which the activity does not read (it reads: ${contract.reads.join(', ') || 'nothing'}); this department keeps only what its activity needs`,
        );
      }
      // A home hands an activity over again only by entering it again, under a new activity
      // instance id: an administrator's retry after a failed result withdraws the failed instance
      // and enters the activity anew, as loops, exception paths and deferred choices do, while a
      // resend repeats the outbox row and so its item id. A second item id for an activity
      // instance already taken is thus never a legitimate re-hand-over but the same work asked for
      // twice (two work items, two results) — also once the first performing instance has closed:
      // its result went home, and a second would be the work done twice all the same. The inbox's
      // primary key decides, so two deliveries racing on two replicas cannot both win (a look-up
      // of performing instances by their home could); it is taken after the checks above, so a
      // department that may not hand this over learns nothing of what was taken.
      if (!(await uow.tx.recordInbox(handOverActivityKey(h), h.sender, uow.now))) {
        return {
          accepted: false,
          reason: `activity instance ${h.activityInstanceId} (${h.activityId}) of case ${h.caseId} from ${h.home} was taken before under another item id; it is performed once, and this item changed nothing`,
        };
      }
      const observer = handOverObserver(h);
      const subject = `${h.activityId} of case ${h.caseId} for ${h.home}`;
      const intra = activity.extendedAttributes?.IntraDepartmentProcess;
      if (intra) {
        const local = await this.compiled(uow.tx, intra);
        const known = new Set(local.def.dataFields.map((f) => f.id));
        const data = Object.fromEntries(Object.entries(h.data).filter(([k]) => known.has(k)));
        const session = await uow.create(intra, { data, subject, observer, actor: h.sender, home: { department: h.home, instanceId: h.caseId } });
        // The intra-department process's output is what the handed-over activity declares it updates.
        if (activity.updates?.length) session.record.runtime.resultFields = [...activity.updates];
        session.record.runtime.resultAllowed = [...contract.writes];
        await session.start(h.sender);
        return { accepted: true, instanceId: session.id };
      }
      const known = new Set(installed.definition.dataFields.map((f) => f.id));
      const data = Object.fromEntries(Object.entries(h.data).filter(([k]) => known.has(k)));
      const onlyFields = [...new Set([...contract.reads, ...contract.writes])];
      const session = await uow.create(h.processId, { data, subject, observer, actor: h.sender, onlyFields, home: { department: h.home, instanceId: h.caseId } }, installed.version);
      session.record.runtime.resultAllowed = [...contract.writes];
      await session.startPerforming(h.activityId, h.sender);
      return { accepted: true, instanceId: session.id };
    });
  }

  /**
   * Accepts the result of an activity that was transferred or called remotely. `messageId` makes
   * it idempotent: a duplicate delivery is acknowledged and changes nothing (returns false).
   */
  async completeTransferredActivity(
    instanceId: string,
    activityInstanceId: string,
    data: Record<string, unknown>,
    options: { messageId: string; source: string; actor?: string },
  ): Promise<boolean> {
    return this.command(async (uow) => {
      if (!(await uow.tx.recordInbox(options.messageId, options.source, uow.now))) return false;
      const session = await uow.open(instanceId);
      await session.completeExternally(activityInstanceId, data, options.actor ?? options.source);
      return true;
    });
  }

  /**
   * The home's side of a transfer: a result reported by department `from` for an activity of one
   * of this engine's cases. Idempotent by `messageId` (a duplicate changes nothing and returns
   * false); refused with NotAuthorisedError, changing nothing, unless `from` is the department the
   * activity instance was handed to, the instance still waits for it, and the data are among the
   * activity's writes.
   */
  async acceptTransferResult(
    caseId: string,
    activityInstanceId: string,
    result: { outcome: 'completed' | 'failed'; data: Record<string, unknown>; reason?: string },
    options: { messageId: string; from: string },
  ): Promise<boolean> {
    return this.command(async (uow) => {
      if (!(await uow.tx.recordInbox(options.messageId, options.from, uow.now))) return false;
      const session = await uow.open(caseId).catch((e: unknown) => {
        if (e instanceof NotFoundError) throw new NotAuthorisedError(`case ${caseId} does not live at department ${this.department ?? '(unnamed)'}; results go to a case's home`);
        throw e;
      });
      if (!session.record.runtime.activities.some((x) => x.id === activityInstanceId)) {
        // A late answer from the department the activity went to (it was withdrawn by a deadline
        // or a deferred choice) is no attack: say so, rather than "not authorised".
        const handOver = (await uow.tx.listOutbox({ instanceId: caseId })).find((m) => m.kind === 'transfer' && m.payload.activityInstanceId === activityInstanceId);
        if (handOver && handOver.destination === options.from) {
          throw new IllegalStateError(`activity instance ${activityInstanceId} of case ${caseId} no longer waits for a result from ${options.from} (it was withdrawn or has finished); nothing changed`);
        }
      }
      await session.acceptTransferResult(activityInstanceId, options.from, result);
      return true;
    });
  }

  /**
   * Records that a transferred or remote activity ended abnormally on the other side: the activity
   * becomes an incident (retryActivity sends it again). Idempotent by `messageId`, like completion.
   */
  async failTransferredActivity(
    instanceId: string,
    activityInstanceId: string,
    reason: string,
    options: { messageId: string; source: string },
  ): Promise<boolean> {
    return this.command(async (uow) => {
      if (!(await uow.tx.recordInbox(options.messageId, options.source, uow.now))) return false;
      await (await uow.open(instanceId)).failExternally(activityInstanceId, reason, options.source);
      return true;
    });
  }

  async timers(instanceId: string): Promise<TimerRecord[]> {
    return this.store.read((tx) => tx.listTimers(instanceId));
  }

  async outbox(filter: { instanceId?: string; state?: OutboxRecord['state'] } = {}): Promise<OutboxRecord[]> {
    return this.store.read((tx) => tx.listOutbox(filter));
  }

  /** Undelivered outbox messages by kind and state, counted by the database (for /metrics). */
  async outboxDepth(): Promise<OutboxDepth[]> {
    return this.store.read((tx) => tx.outboxDepth());
  }

  /**
   * Tells `listener` after every committed command that wrote to the outbox, so dispatchers can
   * send at once instead of waiting for their next poll. Returns the unsubscribe function.
   */
  onOutbox(listener: OutboxListener): () => void {
    this.outboxListeners.add(listener);
    return () => this.outboxListeners.delete(listener);
  }

  /**
   * Lets the local outbox worker take messages in the transaction that writes them: each one the
   * claimer accepts is written already claimed, and handed to the listeners after the commit. A
   * message at idle then leaves without a claim transaction of its own (one commit fewer on every
   * hop); should the process die first, the claim runs out like any other and someone claims it.
   */
  setOutboxClaimer(claimer: OutboxClaimer | undefined): void {
    this.outboxClaimer = claimer;
  }

  private claimAtEnqueue(outbox: OutboxRecord[]): readonly OutboxRecord[] {
    const claimer = this.outboxClaimer;
    if (!claimer) return NONE_CLAIMED;
    const now = this.clock.now();
    const claimed: OutboxRecord[] = [];
    for (const row of outbox) {
      if (row.state !== 'pending' || row.nextAttemptAt.getTime() > now.getTime() || row.claimedBy !== undefined) continue;
      const claim = claimer(row, now);
      if (!claim) continue;
      row.claimedBy = claim.owner;
      row.claimedUntil = claim.until;
      // A claim counts an attempt, as claimOutbox does.
      row.attempts += 1;
      claimed.push(row);
    }
    return claimed;
  }

  async countByState(): Promise<Record<string, number>> {
    return this.store.read((tx) => tx.countInstancesByState());
  }

  // ---------------------------------------------------------------------------------------------

  /** One command = one transaction; optimistic conflicts (two writers on MySQL without a lock) are retried. */
  private async command<T>(fn: (uow: UnitOfWork) => Promise<T>): Promise<T extends () => infer R ? R : T> {
    for (let attempt = 1; ; attempt++) {
      try {
        let written = 0;
        let claimed = NONE_CLAIMED;
        const value = await this.store.transaction(async (tx) => {
          const uow = new UnitOfWork(tx, this.env);
          const result = await fn(uow);
          written = (await uow.flush((outbox) => (claimed = this.claimAtEnqueue(outbox)))).length;
          // A view built after flush reflects the saved state without reading it back.
          return (typeof result === 'function' ? (result as () => unknown)() : result) as T extends () => infer R ? R : T;
        });
        if (written) for (const listener of this.outboxListeners) listener(claimed, written);
        return value;
      } catch (e) {
        if (e instanceof ConcurrencyError && attempt < MAX_CONFLICT_RETRIES) continue;
        throw e;
      }
    }
  }
}

function viewOf(session: InstanceSession): InstanceView {
  const items = [...session.items.values()].filter((i) => i.state === 'open' || i.state === 'suspended');
  items.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  return buildView(detached(session.record), session.def, items.map(detachedItem));
}

/**
 * A copy of a work item that shares nothing with the session, as reading it back would give it.
 * structuredClone of the one item a started case has cost more than the rest of its view.
 */
function detachedItem(item: WorkItemRecord): WorkItemRecord {
  const copy: WorkItemRecord = { ...item, createdAt: new Date(item.createdAt) };
  if (item.completedAt) copy.completedAt = new Date(item.completedAt);
  if (item.data) copy.data = jsonCopy(item.data) as Record<string, unknown>;
  return copy;
}

/**
 * A copy of the record that shares nothing with the session. Data and runtime are stored as JSON,
 * so a JSON copy of them is what reading the instance back gives; it costs a fraction of
 * structuredClone, which a view of every started case paid for.
 */
function detached(rec: InstanceRecord): InstanceRecord {
  return {
    ...rec,
    data: jsonCopy(rec.data) as InstanceRecord['data'],
    runtime: jsonCopy(rec.runtime) as InstanceRecord['runtime'],
    createdAt: new Date(rec.createdAt),
    updatedAt: new Date(rec.updatedAt),
    ...(rec.completedAt ? { completedAt: new Date(rec.completedAt) } : {}),
  };
}

function buildView(rec: InstanceRecord, def: CompiledDefinition, workItems: WorkItemRecord[]): InstanceView {
  return {
    ...rec,
    openActivities: rec.runtime.activities.map((ai) => {
      const a = def.activities.get(ai.activityId);
      return {
        activityInstanceId: ai.id,
        activityId: ai.activityId,
        name: a?.name,
        department: a?.department,
        state: ai.state,
        ...(ai.error ? { error: ai.error } : {}),
      };
    }),
    waitingAt: [...new Set(rec.runtime.tokens.map((t) => def.targetOfArc(t.arc)))],
    workItems,
  };
}

/** Every department that performs an activity of the package's processes. */
export function participatingDepartments(pkg: DefinitionPackage): string[] {
  return [...new Set(pkg.processes.flatMap((p) => p.activities.map((a) => a.department).filter((d): d is string => !!d)))].sort();
}

/** Identifies a definition's content across engines, whatever version number it gets. */
function contentHashOf(p: ProcessDefinition): string {
  const { version: _ignored, ...content } = p;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** Key-sorted JSON, so the content hash does not depend on property order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}
