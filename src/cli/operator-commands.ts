import { userInfo } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { WorkflowEngine } from '../engine';
import type { TypeormStore } from '../persistence';
import { Settings } from '../app';
import {
  dataFlowsOf,
  describeRetention,
  heldPackageImpact,
  HeldPackages,
  MessageLog,
  retentionCutoff,
  retentionDays,
  RETENTION_ENV,
  type HeldPackage,
  type HeldState,
  type Refusal,
} from '../transfer';
import { table, type Output } from './format';
import { TypeormMessageLogRepository, TypeormHeldPackageRepository } from '../persistence';

/**
 * The operators' commands of issue 9: held packages (`packages …`), which fields reach each
 * department (`definitions data-flow`), and the message log's refusals and retention
 * (`messages …`). All work on the department's database, like `deploy` and `trace`.
 */
export interface OperatorCommandContext {
  out: Output;
  json(cmd: Command): boolean;
  withEngine(fn: (engine: WorkflowEngine, opts: Record<string, unknown>, cmd: Command, ...args: string[]) => Promise<void>): (...args: unknown[]) => Promise<void>;
  /** The moment "now" for --since and --older-than (tests pin it). */
  now?: () => Date;
}

const HELD_STATES: readonly HeldState[] = ['held', 'installed', 'rejected'];

export function addOperatorCommands(program: Command, definitions: Command, ctx: OperatorCommandContext): void {
  const { out, json, withEngine } = ctx;
  const now = ctx.now ?? (() => new Date());
  const heldPackages = (engine: WorkflowEngine) => new HeldPackages(new TypeormHeldPackageRepository(engine.store as TypeormStore), engine);
  const actorOf = (opts: Record<string, unknown>) => (opts.actor as string | undefined) ?? osUser();

  // ------------------------------------------------------------------------ packages

  const packages = program
    .command('packages')
    .description('definition packages other departments published here that wait for an administrator (departments not in INTERFLOW_INSTALL_FROM): list, show, approve, reject');

  packages
    .command('list')
    .description('list published packages held here, newest first, with their state (held, installed, rejected)')
    .option('--state <state>', 'only packages in this state: held, installed or rejected', (v) => {
      if (!HELD_STATES.includes(v as HeldState)) throw new InvalidArgumentError(`--state must be held, installed or rejected, not "${v}"`);
      return v;
    })
    .action(withEngine(async (engine, opts, cmd) => {
      const list = await heldPackages(engine).list(opts.state ? { state: opts.state as HeldState } : {});
      if (json(cmd)) return out.stdout(JSON.stringify(list, null, 2) + '\n');
      if (!list.length) return out.stdout(opts.state ? `no ${String(opts.state)} packages\n` : 'no published packages were held here\n');
      table(out, ['ID', 'STATE', 'FROM', 'PACKAGE', 'PROCESSES', 'RECEIVED', 'DECIDED'], list.map((p) => [
        p.id, p.state, p.sender, p.packageId, p.processes.join(', '), p.receivedAt.toISOString(), decision(p),
      ]));
    }));

  packages
    .command('show')
    .description("show a held package: who sent it, its processes, and which of this department's activities it would add, with the fields each brings here")
    .argument('<id>', 'the held package id (from packages list)')
    .action(withEngine(async (engine, _opts, cmd, id) => {
      const held = await heldPackages(engine).get(id);
      const impact = await heldPackageImpact(engine, held);
      const { source: _source, ...rest } = held;
      if (json(cmd)) return out.stdout(JSON.stringify({ ...rest, ...impact }, null, 2) + '\n');
      out.stdout(`held package ${held.id}\n`);
      out.stdout(`  package    ${held.packageId}\n  from       ${held.sender}\n  received   ${held.receivedAt.toISOString()}\n  state      ${held.state}${held.state === 'held' ? '' : ` (${decision(held)})`}\n`);
      if (held.reason) out.stdout(`  reason     ${held.reason}\n`);
      out.stdout(`  processes  ${held.processes.map((p) => (impact.newProcesses.includes(p) ? `${p} (new here)` : p)).join(', ') || '(none readable)'}\n`);
      if (!impact.department) return out.stdout('  this engine has no department (--department or INTERFLOW_DEPARTMENT): which activities it would perform is unknown\n');
      if (!impact.activities.length) return out.stdout(`  department ${impact.department} performs no activity in it\n`);
      out.stdout(`  department ${impact.department} would perform:\n`);
      table(out, ['    PROCESS', 'ACTIVITY', 'CHANGE', 'RECEIVES', 'RETURNS'], impact.activities.map((a) => [
        `    ${a.processId}`, a.name && a.name !== a.activityId ? `${a.activityId} (${a.name})` : a.activityId, a.added ? 'added' : 'performed already', a.reads.join(', ') || '—', a.writes.join(', ') || '—',
      ]));
    }));

  packages
    .command('approve')
    .description('install a held package, as published by its sender (the same ownership rules as an automatic install)')
    .argument('<id>', 'the held package id')
    .option('--actor <name>', 'who approves (recorded; default the operating-system user)')
    .action(withEngine(async (engine, opts, cmd, id) => {
      const results = await heldPackages(engine).approve(id, actorOf(opts));
      if (json(cmd)) return out.stdout(JSON.stringify({ id, state: 'installed', results }, null, 2) + '\n');
      out.stdout(`approved ${id}\n`);
      for (const r of results) out.stdout(`  ${r.created ? 'deployed' : 'unchanged'}  ${r.processId}  version ${r.version}\n`);
    }));

  packages
    .command('reject')
    .description('reject a held package: nothing is installed; the record stays, with who rejected it and why')
    .argument('<id>', 'the held package id')
    .option('--reason <text>', 'why (recorded, shown by packages list/show)')
    .option('--actor <name>', 'who rejects (recorded; default the operating-system user)')
    .action(withEngine(async (engine, opts, cmd, id) => {
      const reason = (opts.reason as string | undefined)?.trim() || undefined;
      await heldPackages(engine).reject(id, actorOf(opts), reason);
      if (json(cmd)) return out.stdout(JSON.stringify({ id, state: 'rejected', ...(reason ? { reason } : {}) }, null, 2) + '\n');
      out.stdout(`rejected ${id}${reason ? ` (${reason})` : ''}\n`);
    }));

  // ------------------------------------------------------------------ data flows

  definitions
    .command('data-flow')
    .description('per department, the activities it performs in a process and the fields it receives (what a hand-over carries) and returns (all a result may carry)')
    .argument('<process>', 'process id')
    .option('--version <n>', 'definition version (default: latest)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--version needs a whole number above 0, got "${v}"`);
      return n;
    })
    .action(withEngine(async (engine, opts, cmd, processId) => {
      const rec = await engine.getDefinition(processId, opts.version as number | undefined);
      const flows = dataFlowsOf(rec.definition);
      if (json(cmd)) return out.stdout(JSON.stringify({ processId: rec.processId, version: rec.version, departments: flows }, null, 2) + '\n');
      out.stdout(`${rec.processId} version ${rec.version}\n`);
      if (!flows.length) return out.stdout('  no activity is performed by a named department: every field stays at the case\'s home\n');
      const names = new Map(rec.definition.activities.map((a) => [a.id, a.name]));
      for (const f of flows) {
        out.stdout(`\ndepartment ${f.department}\n  receives  ${f.receives.join(', ') || '(nothing)'}\n  returns   ${f.returns.join(', ') || '(nothing)'}\n`);
        table(out, ['  ACTIVITY', 'READS', 'WRITES'], f.activities.map((a) => {
          const name = names.get(a.activityId);
          return [`  ${a.activityId}${name && name !== a.activityId ? ` (${name})` : ''}`, a.reads.join(', ') || '—', a.writes.join(', ') || '—'];
        }));
      }
    }));

  // ------------------------------------------------------------------- messages

  const messages = program
    .command('messages')
    .description('the transfer message log (every signed message sent, received or relayed): refusals and retention');

  messages
    .command('refused')
    .description('refused messages and items, newest first: who tried what, and why (signature, not authorised, invalid)')
    .option('--since <when>', 'only since then: an ISO date or time, or a span back from now such as 30m, 24h, 7d', (v) => parseSince(v, now()))
    .option('--limit <n>', 'at most this many (default 200)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--limit needs a whole number above 0, got "${v}"`);
      return n;
    })
    .action(withEngine(async (engine, opts, cmd) => {
      const since = opts.since as Date | undefined;
      const refusals = await new MessageLog(new TypeormMessageLogRepository(engine.store as TypeormStore)).refusals({ ...(since ? { since } : {}), limit: (opts.limit as number | undefined) ?? 200 });
      if (json(cmd)) return out.stdout(JSON.stringify(refusals, null, 2) + '\n');
      if (!refusals.length) return out.stdout(`no refusals logged${since ? ` since ${since.toISOString()}` : ''}\n`);
      table(out, ['TIME', 'REFUSED', 'FROM', 'TO', 'WHAT', 'REASON'], refusals.map((r) => [r.at.toISOString(), causeInWords(r), r.sender, r.receiver, whatWasTried(r), r.reason ?? '']));
    }));

  messages
    .command('purge')
    .description(`remove messages older than the retention (${RETENTION_ENV}, default 365 days) or --older-than, with their items, and print what was removed`)
    .option('--older-than <days>', `remove messages logged more than this many days ago (default ${RETENTION_ENV})`, (v) => {
      try {
        return retentionDays(v, '--older-than');
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
    })
    .option('--dry-run', 'only count what would be removed')
    .action(withEngine(async (engine, opts, cmd) => {
      let days: number;
      if (opts.olderThan !== undefined) days = opts.olderThan as number;
      else {
        const retention = new Settings().retention;
        if (retention === 'forever') throw new Error(`${RETENTION_ENV} is forever, so nothing is due for purging; give --older-than DAYS to purge anyway`);
        days = retention.days;
      }
      const before = retentionCutoff(days, now());
      const report = await new MessageLog(new TypeormMessageLogRepository(engine.store as TypeormStore)).purge(before, { dryRun: Boolean(opts.dryRun) });
      if (json(cmd)) return out.stdout(JSON.stringify({ ...report, olderThanDays: days }, null, 2) + '\n');
      const verb = report.dryRun ? 'would remove' : 'removed';
      out.stdout(`${verb} ${report.messages} message${report.messages === 1 ? '' : 's'} (${report.items} item${report.items === 1 ? '' : 's'}) logged before ${before.toISOString()} (older than ${describeRetention({ days })})\n`);
    }));
}

function decision(p: HeldPackage): string {
  if (p.state === 'held') return '';
  return `${p.state} by ${p.decidedBy ?? '?'}${p.decidedAt ? ` at ${p.decidedAt.toISOString()}` : ''}`;
}

function causeInWords(r: Refusal): string {
  return r.cause === 'signature' ? 'signature' : r.cause === 'not-authorised' ? 'not authorised' : 'invalid';
}

function whatWasTried(r: Refusal): string {
  if (!r.items.length) return r.cause === 'signature' ? '(unreadable message)' : '(the message)';
  return r.items.map((i) => `${i.kind} ${i.activityId ? `${i.activityId} ` : ''}of ${i.caseId}`).join('; ');
}

/** `--since`: an ISO date or time, or a span back from now (30m, 24h, 7d). */
export function parseSince(raw: string, now: Date): Date {
  const span = /^(\d+)\s*([mhd])$/.exec(raw.trim());
  if (span) return new Date(now.getTime() - Number(span[1]) * { m: 60_000, h: 3600_000, d: 86_400_000 }[span[2] as 'm' | 'h' | 'd']);
  const at = /^\d{4}-\d{2}-\d{2}/.test(raw.trim()) ? new Date(raw.trim()) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw new InvalidArgumentError(`--since needs an ISO date or time (2026-12-01, 2026-12-01T08:00:00Z) or a span such as 30m, 24h or 7d; got "${raw}"`);
  return at;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}
