import { scanJsNames, type ProcessDefinition } from '../engine';

/**
 * The data contract of a JavaScript definition comes from a scan of its sources; where a source
 * reaches variables by computed name the scan cannot tell which, and the activity is given every
 * field. The deployer is told so, by element, since that widens what leaves the home department.
 */
export function undecidableScriptNotes(p: ProcessDefinition): string[] {
  const notes: string[] = [];
  const where = `process "${p.id}"`;
  const check = (element: string, source: string | undefined): void => {
    if (!source) return;
    const why = scanJsNames(source).undecidable;
    if (why) notes.push(`${element} (${where}): which data fields its JavaScript reads cannot be decided (${why}); every field is handed to it and it may change every field`);
  };
  for (const app of p.applications) check(`Application "${app.id}" script`, app.script);
  for (const t of p.transitions) if (t.kind === 'condition' && !t.decision) check(`Transition "${t.id}" condition`, t.condition);
  for (const a of p.activities) {
    for (const param of a.application?.parameters ?? a.subprocess?.parameters ?? []) {
      if (param.direction !== 'OUT') check(`Activity "${a.id}" parameter "${param.formal}"`, param.actual);
    }
    check(`Activity "${a.id}" loop condition`, a.loop?.condition);
    check(`Activity "${a.id}" multi-instance count`, a.multiInstance?.count);
    for (const d of a.deadlines ?? []) check(`Activity "${a.id}" deadline`, d.duration);
  }
  return notes;
}
