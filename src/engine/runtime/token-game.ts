import type { CompiledDefinition } from '../definition/compiled-definition';
import type { ActivityDef, TransitionDef } from '../definition/process-definition';
import type { ActivityInstance, TokenState } from '../ports/records';

/**
 * The token game of seed 002 as pure functions of the definition graph and the marking (tokens
 * on arcs, activity instances in progress): which activity is enabled and which tokens it
 * consumes, which outgoing transitions a firing activity takes, where tokens are stuck. Nothing
 * here records history, creates work or touches a store; InstanceSession applies the answers.
 */
export interface Marking {
  readonly tokens: readonly TokenState[];
  readonly activities: readonly ActivityInstance[];
}

export interface Enabled {
  activity: ActivityDef;
  /** The block activity instance whose embedded graph it is in (undefined: the process's own graph). */
  scope?: string;
  /** The tokens its join consumes (the start token, one per AND input, the live OR inputs, one for XOR). */
  consumed: TokenState[];
}

/**
 * The first activity whose join the marking satisfies, in token order; undefined when none is.
 * Tokens join only tokens of the same scope: two blocks running the same activity set at once
 * each have their own marking of it.
 */
export function findEnabled(def: CompiledDefinition, marking: Marking): Enabled | undefined {
  const byTarget = new Map<string, { target: string; scope?: string; tokens: TokenState[] }>();
  for (const t of marking.tokens) {
    const target = def.targetOfArc(t.arc);
    const key = `${t.scope ?? ''}\u0000${target}`;
    const entry = byTarget.get(key);
    if (entry) entry.tokens.push(t);
    else byTarget.set(key, { target, scope: t.scope, tokens: [t] });
  }
  for (const { target, scope, tokens } of byTarget.values()) {
    const activity = def.activity(target);
    const consumed = joinConsumes(def, activity, tokens, marking);
    if (consumed) return { activity, consumed, ...(scope !== undefined ? { scope } : {}) };
  }
  return undefined;
}

/** Which of the tokens waiting in front of `a` firing it would consume, or undefined when its join is not satisfied. */
export function joinConsumes(def: CompiledDefinition, a: ActivityDef, tokens: readonly TokenState[], marking: Marking): TokenState[] | undefined {
  const startToken = tokens.find((t) => t.arc.startsWith('start:'));
  if (startToken) return [startToken];
  if (a.join !== 'and' && a.join !== 'or') return [tokens[0]];
  const incoming = def.incoming.get(a.id) ?? [];
  if (a.join === 'and') {
    const picked = incoming.map((t) => firstOnArc(tokens, t.id));
    return picked.every(Boolean) ? (picked as TokenState[]) : undefined;
  }
  const picked = incoming.map((t) => firstOnArc(tokens, t.id)).filter(Boolean) as TokenState[];
  if (picked.length === 0) return undefined;
  const empty = incoming.filter((t) => !firstOnArc(tokens, t.id));
  return empty.some((t) => canStillArrive(def, marking, t, a.id, tokens[0].scope)) ? undefined : picked;
}

function firstOnArc(tokens: readonly TokenState[], arc: string): TokenState | undefined {
  return tokens.find((t) => t.arc === arc);
}

/**
 * The synchronising OR-join waits for an empty input only while live work (a token elsewhere or
 * an activity in progress) can still reach it; dead branches never hold it up.
 */
export function canStillArrive(def: CompiledDefinition, marking: Marking, input: TransitionDef, joinId: string, scope?: string): boolean {
  // Work inside a block reaches the process graph only through the block's own activity
  // instance, which is in the join's scope: so only the join's scope counts.
  const sources: string[] = [];
  for (const t of marking.tokens) {
    if (t.scope !== scope) continue;
    const target = def.targetOfArc(t.arc);
    if (target !== joinId) sources.push(target);
  }
  for (const ai of marking.activities) if (ai.scope === scope) sources.push(ai.activityId);
  return sources.some((s) => def.reachableWithout(s, joinId).has(input.from));
}

/** No outgoing transition of an exclusive or inclusive split holds, and there is no otherwise branch. */
export class NoBranchHoldsError extends Error {}

/**
 * The outgoing transitions `a` takes when it fires: every one for AND and plain sequence flow;
 * for XOR the first whose condition holds, for OR each that holds, else the otherwise branch.
 * `holds` evaluates a condition against the case's data (it may throw).
 */
export function chooseOutgoing(def: CompiledDefinition, a: ActivityDef, holds: (condition: string) => boolean): TransitionDef[] {
  const out = def.outgoing.get(a.id) ?? [];
  if (out.length === 0) return [];
  if (a.split === 'xor' || a.split === 'or' || (a.split === 'none' && out.some((t) => t.kind === 'condition'))) {
    const taken: TransitionDef[] = [];
    for (const t of out) {
      // A label (`decision`) is chosen by a person (human-decision.ts), never evaluated.
      if (t.kind === 'otherwise' || t.decision) continue;
      if (t.kind === 'normal' || holds(t.condition!)) {
        taken.push(t);
        if (a.split !== 'or') break;
      }
    }
    if (taken.length) return taken;
    const otherwise = out.find((t) => t.kind === 'otherwise');
    if (otherwise) return [otherwise];
    throw new NoBranchHoldsError(
      `no outgoing transition of "${a.id}" holds (${out.map((t) => `${t.id}: ${t.condition ?? t.kind}`).join('; ')}) and there is no otherwise branch`,
    );
  }
  return out;
}

/** The exception transition a raised exception follows: the one named for it, else a default (`*`) one. */
export function exceptionTarget(def: CompiledDefinition, activityId: string, exceptionName: string): TransitionDef | undefined {
  const handlers = def.exceptionTransitions.get(activityId) ?? [];
  return handlers.find((t) => t.condition === exceptionName) ?? handlers.find((t) => t.condition === '*');
}

/** The activities tokens wait in front of (for the deadlock reason when nothing else is live). */
export function waitingInFrontOf(def: CompiledDefinition, tokens: readonly TokenState[]): string[] {
  return [...new Set(tokens.map((t) => def.targetOfArc(t.arc)))];
}
