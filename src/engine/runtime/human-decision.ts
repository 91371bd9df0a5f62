import type { CompiledDefinition } from '../definition/compiled-definition';
import type { ActivityForm } from '../definition/form-contract';
import type { ActivityDef, TransitionDef } from '../definition/process-definition';
import { InvalidDataError } from '../errors';
import type { ActivityInstance } from '../ports/records';
import type { WorkItems } from './work-items';

/**
 * A split whose conditions are labels (`Information available`) is decided by a person
 * (docs/xpdl-mapping.md, "Conditions that are labels"): when the activity completes, its
 * performer gets a decision work item listing the branches by their labels, and completes it
 * with the data item `@branch` naming the branch — its label or its transition Id. `@` cannot
 * begin an XPDL Id (an NMTOKEN), so the name never collides with a data field.
 */
export const BRANCH_FIELD = '@branch';

export interface DecisionOption {
  transitionId: string;
  label: string;
}

/** A split needs a person when any of its outgoing transitions is a label. */
export function needsDecision(def: CompiledDefinition, activityId: string): boolean {
  return (def.outgoing.get(activityId) ?? []).some((t) => t.decision);
}

/**
 * Every outgoing (non-exception) transition is a branch the person may take, shown by its label;
 * a transition that is an expression or the otherwise branch is shown by its name, else by what
 * it is, with the activity it leads to.
 */
export function decisionOptions(def: CompiledDefinition, a: ActivityDef): DecisionOption[] {
  const target = (t: TransitionDef): string => {
    const to = def.activities.get(t.to);
    return to?.name ?? t.to;
  };
  return (def.outgoing.get(a.id) ?? []).map((t) => ({
    transitionId: t.id,
    label: t.decision
      ? t.condition!
      : t.name ?? (t.kind === 'otherwise' ? `otherwise (to ${target(t)})` : t.kind === 'condition' ? `when ${t.condition} (to ${target(t)})` : `to ${target(t)}`),
  }));
}

/** Who decides: the activity's performer, else (a gateway has none) the performer of the activity before it. */
export function decisionPerformer(def: CompiledDefinition, a: ActivityDef): string {
  if (a.performers.length) return a.performers[0];
  for (const t of def.incoming.get(a.id) ?? []) {
    const from = def.activities.get(t.from);
    if (from?.performers.length) return from.performers[0];
  }
  return '';
}

/** What a work item for the decision is called: the activity and the branches to choose from. */
export function decisionTitle(a: ActivityDef, options: readonly DecisionOption[]): string {
  return `${a.name ?? a.id}: choose ${options.map((o) => o.label).join(' | ')}`;
}

/**
 * The branches the person chose. An exclusive split takes exactly one; an inclusive one (OR, or
 * XPDL 1.0's AND with conditions) takes one or more (`@branch` repeated).
 */
export function chosenBranches(def: CompiledDefinition, a: ActivityDef, value: unknown): TransitionDef[] {
  const options = decisionOptions(def, a);
  const listed = options.map((o) => JSON.stringify(o.label)).join(', ');
  const values = (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]).map((v) => String(v).trim());
  if (values.length === 0) {
    throw new InvalidDataError(`Work item for "${a.id}" is a decision: complete it with the data item "${BRANCH_FIELD}" set to one of ${listed}`);
  }
  const several = a.split === 'or';
  if (values.length > 1 && !several) {
    throw new InvalidDataError(`Activity "${a.id}" is an exclusive choice: give exactly one "${BRANCH_FIELD}", one of ${listed}`);
  }
  const chosen = new Map<string, TransitionDef>();
  for (const v of values) {
    const byId = options.find((o) => o.transitionId === v);
    const byLabel = options.filter((o) => o.label.toLowerCase() === v.toLowerCase());
    const option = byId ?? (byLabel.length === 1 ? byLabel[0] : undefined);
    if (!option) {
      const why = byLabel.length > 1 ? 'names several branches; give the transition Id instead' : 'is not a branch here';
      throw new InvalidDataError(`"${v}" ${why}: "${BRANCH_FIELD}" must be one of ${listed} (or a transition Id: ${options.map((o) => o.transitionId).join(', ')})`);
    }
    chosen.set(option.transitionId, def.transitions.get(option.transitionId)!);
  }
  return [...chosen.values()];
}

/** The split waits for a person: a decision work item offered to the performer, listing the branches. */
export function offerDecision(items: WorkItems, def: CompiledDefinition, a: ActivityDef, ai: ActivityInstance): void {
  const options = decisionOptions(def, a);
  items.create(a, ai, decisionPerformer(def, a), undefined, {
    kind: 'decision',
    activityName: decisionTitle(a, options),
    data: { [BRANCH_FIELD]: options.map((o) => o.label) },
  });
}

/**
 * The decision item's form, as every work item has one (ProcessService WorkItem/Form): one required
 * field, `@branch`, whose allowed values are the labels — so a legacy SOAP client learns the choice
 * the way it learns any enumerated field, and an inclusive split's `@branch` is an array.
 */
export function decisionForm(def: CompiledDefinition, a: ActivityDef): ActivityForm {
  const several = a.split === 'or';
  return {
    updates: [
      {
        id: BRANCH_FIELD,
        label: 'Branch',
        type: 'STRING',
        isArray: several,
        required: true,
        allowedValues: decisionOptions(def, a).map((o) => o.label),
        description: `Choose ${several ? 'one or more of the branches (repeat the item)' : 'the branch to take'} after "${a.name ?? a.id}": a label (any case) or the transition Id`,
      },
    ],
    reads: [],
  };
}
