import { formProblems } from './form-contract';
import type { CompiledExpression, CompiledScript } from '../expression';
import { DefinitionError, InvalidDataError } from '../errors';
import { isDuration } from './duration';
import { activityDataContract, type ActivityDataContract } from './data-contract';
import type { ActivityDef, ApplicationDef, ProcessDefinition, TransitionDef } from './process-definition';
import { compilerFor, type Compiler } from './language-compiler';

/**
 * A definition prepared for execution: indexes, compiled expressions, and the reachability the
 * synchronising OR-join needs. Built once per (process, version) and cached, since definitions are
 * immutable after deployment.
 */
export class CompiledDefinition {
  readonly activities = new Map<string, ActivityDef>();
  readonly transitions = new Map<string, TransitionDef>();
  readonly applications = new Map<string, ApplicationDef>();
  readonly incoming = new Map<string, TransitionDef[]>();
  /** Outgoing non-exception transitions, in definition order (XOR picks the first that holds). */
  readonly outgoing = new Map<string, TransitionDef[]>();
  readonly exceptionTransitions = new Map<string, TransitionDef[]>();
  readonly startActivities: ActivityDef[];
  private readonly expressions = new Map<string, CompiledExpression>();
  private readonly scripts = new Map<string, CompiledScript>();
  private readonly reachCache = new Map<string, Set<string>>();
  private readonly contracts = new Map<string, ActivityDataContract>();
  /** The definition's declared language (script-language.ts). */
  private readonly compiler: Compiler;
  private readonly setStarts = new Map<string, ActivityDef[]>();
  /** possibleHomes(), computed once: null until then (undefined is an answer). */
  private homes: string[] | undefined | null = null;
  /** The deployed version's content hash: the same definition has the same hash on every engine. */
  contentHash?: string;

  private constructor(readonly def: ProcessDefinition) {
    this.compiler = compilerFor(def);
    for (const a of def.activities) {
      this.activities.set(a.id, a);
      this.incoming.set(a.id, []);
      this.outgoing.set(a.id, []);
      this.exceptionTransitions.set(a.id, []);
    }
    for (const app of def.applications) this.applications.set(app.id, app);
    for (const t of def.transitions) {
      this.transitions.set(t.id, t);
      this.incoming.get(t.to)?.push(t);
      (t.kind === 'exception' ? this.exceptionTransitions : this.outgoing).get(t.from)?.push(t);
    }
    this.startActivities = this.startsOf(undefined);
  }

  /**
   * Where a graph is entered: the process's own graph (set undefined) or an activity set: its
   * start events, else its activities without incoming transitions.
   */
  private startsOf(set: string | undefined): ActivityDef[] {
    const own = this.def.activities.filter((a) => a.activitySet === set);
    const explicit = own.filter((a) => a.kind === 'start');
    return explicit.length ? explicit : own.filter((a) => (this.incoming.get(a.id) ?? []).length === 0);
  }

  /** Where a block activity enters its set: its StartActivityId, else the set's starts. */
  blockStarts(a: ActivityDef): ActivityDef[] {
    const block = a.block!;
    if (block.startActivityId) return [this.activity(block.startActivityId)];
    let starts = this.setStarts.get(block.activitySetId);
    if (!starts) {
      starts = this.startsOf(block.activitySetId);
      this.setStarts.set(block.activitySetId, starts);
    }
    return starts;
  }

  static compile(def: ProcessDefinition, knownProcessIds: ReadonlySet<string> = new Set()): CompiledDefinition {
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const a of def.activities) {
      if (ids.has(a.id)) problems.push(`Activity "${a.id}" is defined twice`);
      ids.add(a.id);
    }
    const tids = new Set<string>();
    for (const t of def.transitions) {
      if (tids.has(t.id)) problems.push(`Transition "${t.id}" is defined twice`);
      tids.add(t.id);
      if (!ids.has(t.from)) problems.push(`Transition "${t.id}" comes from unknown activity "${t.from}"`);
      if (!ids.has(t.to)) problems.push(`Transition "${t.id}" goes to unknown activity "${t.to}"`);
    }
    const setIds = new Set((def.activitySets ?? []).map((s) => s.id));
    const setOf = new Map(def.activities.map((a) => [a.id, a.activitySet]));
    for (const a of def.activities) {
      if (a.activitySet !== undefined && !setIds.has(a.activitySet)) problems.push(`Activity "${a.id}" belongs to activity set "${a.activitySet}", which the process does not declare`);
    }
    for (const t of def.transitions) {
      if (ids.has(t.from) && ids.has(t.to) && (setOf.get(t.from) !== t.activitySet || setOf.get(t.to) !== t.activitySet)) {
        problems.push(
          `Transition "${t.id}" connects "${t.from}" (${setOf.get(t.from) ? `activity set "${setOf.get(t.from)}"` : 'the process graph'}) and "${t.to}" (${setOf.get(t.to) ? `activity set "${setOf.get(t.to)}"` : 'the process graph'}); a transition stays inside one graph`,
        );
      }
    }
    if (problems.length) throw new DefinitionError(def.id, problems);

    const c = new CompiledDefinition(def);
    if (c.startActivities.length === 0) {
      problems.push('no start: add a start event, or an activity without incoming transitions');
    }
    const fieldIds = new Set(def.dataFields.map((f) => f.id));
    for (const f of def.dataFields) {
      if (f.initialValue !== undefined) c.tryCompile(`Data field "${f.id}" initial value`, f.initialValue, problems);
    }
    for (const app of def.applications) {
      if (app.script !== undefined) c.tryCompileScript(`Application "${app.id}" script`, app.script, problems);
    }
    for (const a of def.activities) c.checkActivity(a, problems, knownProcessIds);
    problems.push(...formProblems(def));
    for (const t of def.transitions) {
      if (t.kind === 'condition' && !t.decision) {
        if (!t.condition?.trim()) problems.push(`Transition "${t.id}" is a condition transition without a condition`);
        else c.tryCompile(`Transition "${t.id}" condition`, t.condition, problems);
      }
    }
    void fieldIds;
    if (problems.length) throw new DefinitionError(def.id, problems);
    return c;
  }

  private checkActivity(a: ActivityDef, problems: string[], knownProcessIds: ReadonlySet<string>): void {
    const where = `Activity "${a.id}"`;
    const out = this.outgoing.get(a.id) ?? [];
    if ((a.split === 'xor' || a.split === 'or') && out.length > 0) {
      const otherwise = out.filter((t) => t.kind === 'otherwise');
      if (otherwise.length > 1) problems.push(`${where} has ${otherwise.length} otherwise transitions; at most one is allowed`);
    }
    if (a.split === 'xor') {
      // An exclusive split takes the first transition that holds; an unconditional one always
      // holds, so a second unconditional branch could never be taken (and a loop back through the
      // first would run until the step limit). Refused rather than silently taking the first —
      // unless a person chooses (`decision`: the XPDL importer's reading of a BPMN tool's gateway
      // whose flows carry only names, src/xpdl/xpdl-unconditional-choices.ts).
      const unconditional = out.filter((t) => t.kind === 'normal' && !t.decision);
      if (unconditional.length > 1) {
        problems.push(
          `${where} is an exclusive (XOR) split with ${unconditional.length} unconditional transitions (${unconditional.map((t) => `"${t.id}"`).join(', ')}): ` +
            'only the first could ever be taken; give all but one a condition (or make one the otherwise branch), or make the split AND/OR if every branch should run',
        );
      }
    }
    if (a.split === 'and' || a.split === 'none' || a.split === 'deferred') {
      for (const t of out) {
        if (t.kind === 'condition' || t.kind === 'otherwise') {
          if (a.split !== 'none' || out.length > 1) {
            problems.push(`${where} is a ${a.split === 'none' ? 'non-' : a.split.toUpperCase() + '-'}split but transition "${t.id}" has a condition; make the split XOR or OR`);
          }
        }
      }
    }
    if (a.kind === 'automatic') {
      if (!a.application) problems.push(`${where} is automatic but names no application`);
      else if (!this.applications.has(a.application.id)) {
        problems.push(`${where} calls application "${a.application.id}", which the package does not declare`);
      } else {
        for (const p of a.application.parameters) {
          if (p.direction !== 'OUT') this.tryCompile(`${where} parameter "${p.formal}"`, p.actual, problems);
        }
      }
    }
    if (a.kind === 'subprocess') {
      if (!a.subprocess) problems.push(`${where} is a subprocess but names no process`);
      else {
        if (!knownProcessIds.has(a.subprocess.processId)) {
          problems.push(`${where} calls process "${a.subprocess.processId}", which is neither in this package nor deployed`);
        }
        for (const p of a.subprocess.parameters) {
          if (p.direction !== 'OUT') this.tryCompile(`${where} parameter "${p.formal}"`, p.actual, problems);
        }
      }
    }
    if (a.kind === 'remote-subprocess' && !a.subprocess?.remoteRef) {
      problems.push(`${where} is a remote subprocess but names no remote factory`);
    }
    if (a.kind === 'timer') {
      const spec = a.timer?.duration ?? a.timer?.date;
      if (!spec) problems.push(`${where} is a timer without a duration or date`);
      else if (!isDuration(spec)) this.tryCompile(`${where} timer`, spec, problems);
    }
    if (a.multiInstance) {
      this.tryCompile(`${where} multi-instance count`, a.multiInstance.count, problems);
      if (a.multiInstance.completionCondition) {
        this.tryCompile(`${where} completion condition`, a.multiInstance.completionCondition, problems);
      }
      if (a.kind !== 'manual' && a.kind !== 'automatic') {
        problems.push(`${where}: multi-instance is supported on manual and automatic activities, not on ${a.kind}`);
      }
    }
    if (a.kind === 'block') this.checkBlock(a, problems);
    if (a.kind === 'automatic') {
      for (const call of a.furtherApplications ?? []) {
        if (!this.applications.has(call.id)) problems.push(`${where} calls application "${call.id}", which the package does not declare`);
        else for (const p of call.parameters) if (p.direction !== 'OUT') this.tryCompile(`${where} parameter "${p.formal}" of "${call.id}"`, p.actual, problems);
      }
    }
    if (a.loop) this.tryCompile(`${where} loop condition`, a.loop.condition, problems);
    for (const d of a.deadlines ?? []) {
      if (!isDuration(d.duration)) this.tryCompile(`${where} deadline`, d.duration, problems);
    }
  }

  private checkBlock(a: ActivityDef, problems: string[]): void {
    const where = `Activity "${a.id}"`;
    const block = a.block;
    if (!block) return void problems.push(`${where} is a block but names no activity set`);
    if (!(this.def.activitySets ?? []).some((s) => s.id === block.activitySetId)) {
      return void problems.push(`${where} runs activity set "${block.activitySetId}", which the process does not declare`);
    }
    if (block.startActivityId !== undefined) {
      const start = this.activities.get(block.startActivityId);
      if (!start || start.activitySet !== block.activitySetId) {
        return void problems.push(`${where} starts activity set "${block.activitySetId}" at "${block.startActivityId}", which is not an activity of that set`);
      }
    } else if (this.blockStarts(a).length === 0 && this.def.activities.some((x) => x.activitySet === block.activitySetId)) {
      problems.push(`${where} runs activity set "${block.activitySetId}", which has no start: give the block a StartActivityId, or the set a start event or an activity without incoming transitions`);
    }
    // A set that (through its blocks) contains the block running it would nest without end.
    const seen = new Set<string>();
    const stack = [block.activitySetId];
    while (stack.length) {
      const set = stack.pop()!;
      if (seen.has(set)) continue;
      seen.add(set);
      for (const inner of this.def.activities) {
        if (inner.activitySet === set && inner.kind === 'block' && inner.block) {
          if (inner.id === a.id) return void problems.push(`${where} runs activity set "${block.activitySetId}", which contains the block itself: blocks would nest without end`);
          stack.push(inner.block.activitySetId);
        }
      }
    }
  }

  private tryCompile(where: string, source: string, problems: string[]): void {
    try {
      this.expression(source);
    } catch (e) {
      problems.push(`${where} "${source}": ${(e as Error).message}`);
    }
  }

  private tryCompileScript(where: string, source: string, problems: string[]): void {
    try {
      this.script(source);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
  }

  get id(): string {
    return this.def.id;
  }

  get version(): number {
    return this.def.version ?? 0;
  }

  activity(id: string): ActivityDef {
    const a = this.activities.get(id);
    if (!a) throw new Error(`activity "${id}" is not in process "${this.def.id}"`);
    return a;
  }

  expression(source: string): CompiledExpression {
    let e = this.expressions.get(source);
    if (!e) {
      e = this.compiler.expression(source);
      this.expressions.set(source, e);
    }
    return e;
  }

  script(source: string): CompiledScript {
    let s = this.scripts.get(source);
    if (!s) {
      s = this.compiler.script(source);
      this.scripts.set(source, s);
    }
    return s;
  }

  /**
   * The departments that may hold a case of this process as its home: those performing its first
   * activities (the patent: the subsystem performing the first activity starts the instance).
   * Undefined when a first activity is performed by whichever engine starts the case.
   */
  possibleHomes(): readonly string[] | undefined {
    if (this.homes === null) this.homes = this.findPossibleHomes();
    return this.homes;
  }

  private findPossibleHomes(): string[] | undefined {
    const firsts = new Set<string>();
    const seen = new Set<string>();
    const stack = this.startActivities.map((a) => a.id);
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const a = this.activity(id);
      // Start events and gateways do no work: look through them to the first activity that does.
      if (a.kind === 'start' || a.kind === 'route') {
        for (const t of this.outgoing.get(id) ?? []) stack.push(t.to);
        continue;
      }
      if (a.kind === 'end') continue;
      if (!a.department) return undefined;
      firsts.add(a.department);
    }
    return firsts.size ? [...firsts].sort() : undefined;
  }

  /** What the activity reads and may write (docs/security-model.md, data minimisation). */
  dataContract(activityId: string): ActivityDataContract {
    let contract = this.contracts.get(activityId);
    if (!contract) {
      contract = activityDataContract(this.def, this.activity(activityId), this);
      this.contracts.set(activityId, contract);
    }
    return contract;
  }

  /**
   * Where one case starts (docs/execution.md, "Start"). A process with several start events starts
   * each case at one of them, as BPMN does: `startAt` when the caller names one, else the
   * process's ExtendedAttribute DefaultStartActivityId, else the first start event without a
   * trigger (document order), else the first start event. A process without start events starts
   * at every activity without incoming transitions at once (XPDL 1.0).
   */
  startsFor(startAt?: string): ActivityDef[] {
    const starts = this.startActivities;
    if (startAt) {
      const chosen = starts.find((a) => a.id === startAt);
      if (!chosen) {
        throw new InvalidDataError(
          `process "${this.id}" cannot start at "${startAt}": its start activities are ${starts.map((a) => `"${a.id}"`).join(', ')}`,
        );
      }
      return [chosen];
    }
    const explicit = starts.filter((a) => a.kind === 'start');
    if (explicit.length <= 1) return starts;
    const preferred = this.def.extendedAttributes?.DefaultStartActivityId;
    const byDefault = explicit.find((a) => a.id === preferred);
    if (byDefault) return [byDefault];
    const untriggered = explicit.find((a) => !a.extendedAttributes?.Trigger || a.extendedAttributes.Trigger === 'None');
    return [untriggered ?? explicit[0]];
  }

  /** The activity a token on `arc` is waiting in front of. */
  targetOfArc(arc: string): string {
    if (arc.startsWith('start:')) return arc.slice('start:'.length);
    const t = this.transitions.get(arc);
    if (!t) throw new Error(`arc "${arc}" is not in process "${this.def.id}"`);
    return t.to;
  }

  /**
   * Activities reachable from `from` (inclusive) without passing through `barrier`. The OR-join at
   * `barrier` may fire only when no live work can still reach one of its empty inputs.
   */
  reachableWithout(from: string, barrier: string): Set<string> {
    const key = `${from}\u0000${barrier}`;
    let seen = this.reachCache.get(key);
    if (seen) return seen;
    seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n) || n === barrier) continue;
      seen.add(n);
      for (const t of this.outgoing.get(n) ?? []) stack.push(t.to);
      for (const t of this.exceptionTransitions.get(n) ?? []) stack.push(t.to);
    }
    this.reachCache.set(key, seen);
    return seen;
  }
}
