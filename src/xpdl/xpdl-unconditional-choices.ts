/**
 * BPMN modelling tools (Global 360, Bizagi) export an exclusive gateway whose outgoing flows carry
 * no condition at all, only a Name — or nothing, when the modeller meant the target task's name to
 * say what the branch is. The engine refuses an XOR split with two unconditional transitions
 * (issue 11: it could only ever take the first). Here the importer knows where the split came from:
 * the modeller meant a choice nobody wrote down as an expression, so a person makes it — the same
 * human decision as for conditions that are labels (docs/xpdl-mapping.md, "Conditions that are
 * labels"). Only without an otherwise branch: with one, the file says which branch is the default,
 * and the engine's refusal (name the others' conditions) stands.
 */
import type { ProcessDefinition, TransitionDef } from '../engine';

export function decideUnconditionalChoices(process: ProcessDefinition, label: string, warnings: string[]): void {
  const byId = new Map(process.activities.map((a) => [a.id, a]));
  for (const a of process.activities) {
    if (a.split !== 'xor') continue;
    const out = process.transitions.filter((t) => t.from === a.id && t.kind !== 'exception');
    const unconditional = out.filter((t) => t.kind === 'normal');
    if (unconditional.length < 2 || out.some((t) => t.kind === 'otherwise')) continue;

    const wanted = (t: TransitionDef): string => {
      const to = byId.get(t.to);
      return t.name?.trim() || to?.name?.trim() || t.to;
    };
    // The person answers by label (any case), so two branches may not share one: every branch whose
    // label is shared gets its transition Id added.
    const others = out.filter((t) => t.kind !== 'normal' && t.name).map((t) => t.name!.toLowerCase());
    const count = new Map<string, number>();
    for (const l of [...others, ...unconditional.map((t) => wanted(t).toLowerCase())]) count.set(l, (count.get(l) ?? 0) + 1);
    const renamed: string[] = [];
    for (const t of unconditional) {
      const original = wanted(t);
      const shared = (count.get(original.toLowerCase()) ?? 0) > 1;
      t.decision = true;
      t.condition = shared ? `${original} (${t.id})` : original;
      if (shared) renamed.push(`"${t.id}" is offered as ${JSON.stringify(t.condition)} because another branch is also called ${JSON.stringify(original)}`);
    }
    warnings.push(
      `Activity "${a.id}" (${label}) is an exclusive (XOR) split with ${unconditional.length} unconditional transitions ` +
        `(${unconditional.map((t) => `"${t.id}" ${JSON.stringify(t.condition)}`).join(', ')}) and no otherwise branch: ` +
        `a person decides — when "${a.id}" is reached, its performer gets a decision work item listing the branches by these labels` +
        (renamed.length ? `; ${renamed.join('; ')}` : ''),
    );
  }
}
