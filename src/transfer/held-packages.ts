import { EngineError, type DeployResult, type WorkflowEngine } from '../engine';
import { importXpdl } from '../xpdl';
import type { HeldPackageRepository, HeldPackageRow, HeldState } from './repository';

export type { HeldState } from './repository';

export interface HeldPackage {
  id: string;
  packageId: string;
  sender: string;
  receivedAt: Date;
  state: HeldState;
  decidedBy?: string;
  decidedAt?: Date;
  reason?: string;
  /** Process ids in the package (read from the source when listed). */
  processes: string[];
}

/**
 * Which departments this engine installs published packages from without asking
 * (INTERFLOW_INSTALL_FROM: department codes separated by commas, or `*` for every participating
 * department). Packages from any other department are held for an administrator.
 */
export function installFromEnv(env: NodeJS.ProcessEnv): ReadonlySet<string> | '*' {
  const raw = env.INTERFLOW_INSTALL_FROM?.trim() ?? '';
  if (raw === '*') return '*';
  const codes = raw.split(',').map((x) => x.trim()).filter(Boolean);
  for (const c of codes) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(c)) throw new Error(`INTERFLOW_INSTALL_FROM: "${c}" is not a department code (letters, digits, _ . -); list codes separated by commas, or * for every participating department`);
  }
  return new Set(codes);
}

export class UnknownHeldPackageError extends EngineError {
  constructor(id: string, why: string) {
    super('NOT_FOUND', `Held package "${id}" ${why}: list them with \`interflow packages list\``);
  }
}

/**
 * Packages other departments published to this one that wait for an administrator's decision
 * (docs/security-model.md, "Publishing"). Approving installs the package as published by its
 * sender, under the same ownership rules as an automatic install; rejecting keeps the record.
 */
export class HeldPackages {
  constructor(
    private readonly repository: HeldPackageRepository,
    private readonly engine: WorkflowEngine,
  ) {}

  /** Holds a package; false when this item was held before (the sender resent it). */
  async hold(p: { id: string; packageId: string; sender: string; source: string; at: Date }): Promise<boolean> {
    return this.repository.insertIfAbsent({ id: p.id, packageId: p.packageId, sender: p.sender, receivedAt: p.at, state: 'held', source: p.source, decidedBy: null, decidedAt: null, reason: null });
  }

  async list(filter: { state?: HeldState } = {}): Promise<HeldPackage[]> {
    return (await this.repository.list(filter)).map(view);
  }

  async get(id: string): Promise<HeldPackage & { source: string }> {
    const row = await this.repository.get(id);
    if (!row) throw new UnknownHeldPackageError(id, 'does not exist');
    return { ...view(row), source: row.source };
  }

  async approve(id: string, actor: string): Promise<DeployResult[]> {
    const held = await this.get(id);
    if (held.state !== 'held') throw new UnknownHeldPackageError(id, `was already ${held.state}`);
    const results = await this.engine.deploy(importXpdl(held.source), { source: held.source, actor, publishedBy: held.sender });
    await this.decide(id, 'installed', actor);
    return results;
  }

  async reject(id: string, actor: string, reason?: string): Promise<void> {
    const held = await this.get(id);
    if (held.state !== 'held') throw new UnknownHeldPackageError(id, `was already ${held.state}`);
    await this.decide(id, 'rejected', actor, reason);
  }

  private async decide(id: string, state: HeldState, actor: string, reason?: string): Promise<void> {
    await this.repository.decide(id, { state, decidedBy: actor, decidedAt: this.engine.clock.now(), reason: reason ?? null });
  }
}

function view(r: HeldPackageRow): HeldPackage {
  let processes: string[] = [];
  try {
    processes = importXpdl(r.source).processes.map((p) => p.id);
  } catch {
    // It was checked when held; a package that no longer imports is still listed, without processes.
  }
  return {
    id: r.id,
    packageId: r.packageId,
    sender: r.sender,
    receivedAt: r.receivedAt,
    state: r.state,
    ...(r.decidedBy ? { decidedBy: r.decidedBy } : {}),
    ...(r.decidedAt ? { decidedAt: r.decidedAt } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    processes,
  };
}
