import { evaluateCondition, ExpressionError } from '../expression';
import { InvalidDataError } from '../errors';
import { parseDuration, isDuration, dueInMs } from '../definition/duration';
import type { CompiledDefinition } from '../definition/compiled-definition';
import type { ActivityDef, ParameterMapping } from '../definition/process-definition';
import type { HistoryRecord, InstanceRecord } from '../ports/records';

type EventSink = (type: string, fields?: Omit<HistoryRecord, 'instanceId' | 'at' | 'type'>) => void;

/**
 * The case's data as activities see it: conditions and expressions evaluated against it, data
 * mapped into and out of applications and subprocesses, changes applied and recorded, durations
 * and dates computed. One per session.
 */
export class ActivityData {
  constructor(
    private readonly record: InstanceRecord,
    private readonly def: CompiledDefinition,
    private readonly event: EventSink,
    private readonly now: () => Date,
  ) {}

  get values(): Record<string, unknown> {
    return this.record.data;
  }

  apply(values: Record<string, unknown>, actor: string | undefined, activityId?: string): void {
    const changed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) {
      if (this.record.data[k] !== v) {
        this.record.data[k] = v;
        changed[k] = v;
      }
    }
    if (Object.keys(changed).length) {
      this.event('data.changed', { activityId, actor, detail: { changed } });
      if (this.record.observer?.startsWith('transfer:')) {
        this.record.runtime.changed = [...new Set([...(this.record.runtime.changed ?? []), ...Object.keys(changed)])];
      }
    }
  }

  evaluate(source: string, scope: Record<string, unknown>, a: ActivityDef): unknown {
    try {
      return this.def.expression(source).evaluate(scope);
    } catch (e) {
      throw expressionProblem(e, source, a);
    }
  }

  holds(source: string, a: ActivityDef): boolean {
    return this.holdsIn(source, this.record.data, a);
  }

  holdsIn(source: string, scope: Record<string, unknown>, a: ActivityDef): boolean {
    try {
      return evaluateCondition(this.def.expression(source), scope);
    } catch (e) {
      throw expressionProblem(e, source, a);
    }
  }

  mapIn(params: ParameterMapping[], a: ActivityDef, loopCounter?: number): Record<string, unknown> {
    const scope = loopCounter === undefined ? this.record.data : { ...this.record.data, loopCounter };
    if (params.length === 0) return { ...scope };
    const input: Record<string, unknown> = {};
    for (const p of params) {
      if (p.direction === 'OUT') continue;
      input[p.formal] = this.evaluate(p.actual, scope, a);
    }
    return input;
  }

  mapOut(params: ParameterMapping[], result: Record<string, unknown> | void, a: ActivityDef): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (!result) return out;
    if (params.length === 0) {
      for (const [k, v] of Object.entries(result)) if (this.isField(k)) out[k] = v;
      return out;
    }
    for (const p of params) {
      if (p.direction === 'IN' || !(p.formal in result)) continue;
      if (!this.isField(p.actual)) {
        throw new InvalidDataError(`Activity "${a.id}" maps output "${p.formal}" to "${p.actual}", which is not a data field`);
      }
      out[p.actual] = result[p.formal];
    }
    return out;
  }

  /** The named fields of the case that have a value. */
  pick(names: readonly string[]): Record<string, unknown> {
    return Object.fromEntries(names.filter((n) => n in this.record.data).map((n) => [n, this.record.data[n]]));
  }

  isField(name: string): boolean {
    return this.def.def.dataFields.some((f) => f.id === name);
  }

  durationMs(spec: string, a: ActivityDef): number {
    if (isDuration(spec)) return parseDuration(spec);
    // Shark's deadlines count from these (`ACTIVITY_ACTIVATED_TIME.getTime() + …`); a deadline is
    // computed when its activity starts, so that is now.
    const scope = { ...this.record.data, ACTIVITY_ACTIVATED_TIME: this.now(), PROCESS_STARTED_TIME: this.record.createdAt };
    const v = this.def.expression(spec).evaluate(scope);
    if (typeof v === 'number') return v;
    if (typeof v === 'string') return dueInMs(v, this.now()) ?? parseDuration(v);
    throw new InvalidDataError(`Activity "${a.id}": duration "${spec}" gave ${JSON.stringify(v)}`);
  }

  /** When `spec` (a duration from now) has passed. */
  dueAfter(spec: string, a: ActivityDef): Date {
    return new Date(this.now().getTime() + this.durationMs(spec, a));
  }

  timerDue(a: ActivityDef): Date {
    if (a.timer?.duration) return this.dueAfter(a.timer.duration, a);
    const v = isDuration(a.timer!.date!) ? Number(a.timer!.date) : this.def.expression(a.timer!.date!).evaluate(this.record.data);
    const at = typeof v === 'number' ? new Date(v) : new Date(String(v));
    if (Number.isNaN(at.getTime())) throw new InvalidDataError(`Activity "${a.id}": timer date "${a.timer!.date}" gave ${JSON.stringify(v)}`);
    return at;
  }

  /**
   * What goes back to whoever waits for this instance: for a performing instance, the activity's
   * output as its definition names it (its `updates` fields), else every field.
   */
  resultData(): Record<string, unknown> {
    const rt = this.record.runtime;
    if (!this.record.observer?.startsWith('transfer:')) return { ...this.record.data };
    const performed = rt.performs ? this.def.activities.get(rt.performs) : undefined;
    const fields = rt.resultFields ?? (performed?.updates?.length ? performed.updates : rt.changed ?? []);
    const allowed = new Set(rt.resultAllowed ?? (performed ? this.def.dataContract(performed.id).writes : fields));
    return Object.fromEntries(fields.filter((f) => allowed.has(f) && f in this.record.data).map((f) => [f, this.record.data[f]]));
  }
}

function expressionProblem(e: unknown, source: string, a: ActivityDef): Error {
  const why = e instanceof ExpressionError ? e.message : (e as Error).message;
  return new Error(`expression "${source}" at activity "${a.id}" failed: ${why}`);
}
