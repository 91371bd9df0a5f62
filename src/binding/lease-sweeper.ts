import type { Logger } from 'pino';
import type { BindingTemplate, RegistryStore } from '../registry';
import { FederationKeys } from './federation-keys';
import { leaseOf } from './lease';

/**
 * Runs beside the registry (`interflow registry serve`): withdraws bindingTemplates whose lease
 * lapsed long ago (default ten refresh intervals), i.e. engines that have not refreshed for minutes.
 * Binders already skip a lapsed lease at once; withdrawing keeps `registry list` and find_binding
 * honest. It is the node acting on its own entries, so it works on the store directly, not as a
 * publisher; an engine that comes back saves its binding again with its next refresh.
 */

export interface LeaseSweeperOptions {
  registry: RegistryStore;
  keys?: FederationKeys;
  /** How long after its lease lapsed a binding is withdrawn. */
  withdrawAfterSeconds: number;
  /** How often to look; default 30 s. */
  intervalSeconds?: number;
  log: Logger;
  clock?: () => Date;
}

export interface WithdrawnBinding {
  bindingKey: string;
  serviceKey?: string;
  accessPoint?: string;
  leaseUntil: Date;
}

export class LeaseSweeper {
  private readonly keys: FederationKeys;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LeaseSweeperOptions) {
    this.keys = options.keys ?? new FederationKeys();
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log.child({ component: 'lease-sweeper' });
  }

  start(): void {
    const interval = (this.options.intervalSeconds ?? 30) * 1000;
    this.timer = setInterval(() => {
      this.running = this.sweepOnce().catch((e: unknown) => this.log.error({ err: e }, 'lease sweep failed; trying again at the next interval'));
    }, interval);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async sweepOnce(): Promise<WithdrawnBinding[]> {
    const cutoff = this.clock().getTime() - this.options.withdrawAfterSeconds * 1000;
    const overdue = (b: BindingTemplate) => {
      const lease = leaseOf(b, this.keys);
      return lease !== undefined && lease.getTime() < cutoff ? lease : undefined;
    };
    const candidates: string[] = [];
    for (let listHead = 1; ; ) {
      const page = await this.options.registry.findBinding({
        findQualifiers: ['approximateMatch'],
        categoryBag: { keyedReferences: [{ tModelKey: this.keys.category('lease-until'), keyValue: '%' }], keyedReferenceGroups: [] },
        maxRows: 1000,
        listHead,
      });
      for (const b of page.items) if (b.bindingKey && overdue(b)) candidates.push(b.bindingKey);
      if (!page.truncated || page.items.length === 0) break;
      listHead += page.items.length;
    }
    if (candidates.length === 0) return [];
    // Checked again under lock: the engine may have refreshed since the search.
    const withdrawn = await this.options.registry.repository.write(async (tx) => {
      const rows = await tx.getEntities(candidates, { forUpdate: true });
      const gone: WithdrawnBinding[] = [];
      for (const row of rows) {
        if (row.kind !== 'binding') continue;
        const lease = overdue(row.data);
        if (!lease) continue;
        gone.push({ bindingKey: row.key, serviceKey: row.parentKey, accessPoint: row.data.accessPoint?.value, leaseUntil: lease });
      }
      if (gone.length) await tx.deleteEntities(gone.map((g) => g.bindingKey));
      return gone;
    });
    for (const w of withdrawn) {
      this.log.info({ bindingKey: w.bindingKey, serviceKey: w.serviceKey, accessPoint: w.accessPoint, leaseUntil: w.leaseUntil.toISOString() }, `withdrew binding ${w.bindingKey} (${w.accessPoint ?? 'no address'}): its lease lapsed at ${w.leaseUntil.toISOString()} and its engine has not refreshed since`);
    }
    return withdrawn;
  }
}
