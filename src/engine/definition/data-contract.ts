import { isDuration } from './duration';
import type { ActivityDef, DefinitionPackage, ProcessDefinition } from './process-definition';
import { namesCompilerFor, type Compiler } from './language-compiler';

/**
 * What one activity needs of a case and what it may give back — the unit of data minimisation
 * between departments (docs/security-model.md). A hand-over carries only `reads`; a result may
 * carry only `writes`. Both sides compute it from the same definition version (same content
 * hash), so the home and the performing department always agree without asking each other.
 */
export interface ActivityDataContract {
  activityId: string;
  /** The department performing the activity, when it is not everyone's. */
  department?: string;
  /** Fields the activity reads: what leaves the home when it is handed over. */
  reads: string[];
  /** Fields the activity may produce: all a result for it may carry. */
  writes: string[];
}

/**
 * The fields an activity declares or uses, read from the definition alone:
 * - reads: its VIEW and UPDATE fields (a performer sees what they edit), the fields its
 *   application's IN/INOUT parameters or its script read, its subprocess's IN/INOUT parameters,
 *   and the fields its multi-instance, loop, timer and deadline expressions read — these are
 *   evaluated where the activity is performed;
 * - writes: its UPDATE fields, the fields its application's or subprocess's OUT/INOUT parameters
 *   fill, and the fields its script assigns.
 * An application with neither parameters nor script (a registered handler) gets only what the
 * activity declares: the handler's own code is not evidence of what it needs.
 */
export function activityDataContract(def: ProcessDefinition, a: ActivityDef, c: Compiler = namesCompilerFor(def)): ActivityDataContract {
  const fields = new Set(def.dataFields.map((f) => f.id));
  const reads = new Set<string>();
  const writes = new Set<string>();
  // A JavaScript source that reaches variables by computed name (eval, this[…]) could read any
  // field: all of them go (the importer warns about it, naming the element).
  const readAll = (): void => fields.forEach((f) => reads.add(f));
  const readExpression = (source: string | undefined): void => {
    if (source === undefined || isDuration(source)) return;
    const e = c.expression(source);
    if (e.undecidable) readAll();
    for (const name of e.identifiers()) reads.add(name);
  };
  for (const f of a.views ?? []) reads.add(f);
  for (const f of a.updates ?? []) {
    reads.add(f);
    writes.add(f);
  }
  const calls = a.application ? [a.application, ...(a.furtherApplications ?? [])] : [];
  for (const p of [...calls.flatMap((call) => call.parameters), ...(a.subprocess?.parameters ?? [])]) {
    if (p.direction !== 'OUT') readExpression(p.actual);
    if (p.direction !== 'IN') writes.add(p.actual);
  }
  for (const call of calls) {
    if (call.parameters.length > 0) continue;
    const app = def.applications.find((x) => x.id === call.id);
    if (app?.script !== undefined) {
      const script = c.script(app.script);
      if (script.undecidable) {
        readAll();
        fields.forEach((f) => writes.add(f));
      }
      for (const name of script.identifiers()) reads.add(name);
      for (const name of script.assigned()) writes.add(name);
    }
  }
  if (a.multiInstance) {
    readExpression(a.multiInstance.count);
    readExpression(a.multiInstance.completionCondition);
  }
  if (a.loop) readExpression(a.loop.condition);
  readExpression(a.timer?.duration);
  readExpression(a.timer?.date);
  for (const d of a.deadlines ?? []) readExpression(d.duration);
  const known = (names: Set<string>): string[] => [...names].filter((n) => fields.has(n)).sort();
  return { activityId: a.id, ...(a.department ? { department: a.department } : {}), reads: known(reads), writes: known(writes) };
}

/** Per department, which fields of each process reach it and which it may change. */
export interface DepartmentDataFlow {
  department: string;
  processId: string;
  activities: ActivityDataContract[];
  /** Union of the activities' reads: every field that ever leaves the home for this department. */
  receives: string[];
  /** Union of the activities' writes. */
  returns: string[];
}

export function departmentDataFlows(def: ProcessDefinition, c: Compiler = namesCompilerFor(def)): DepartmentDataFlow[] {
  const byDepartment = new Map<string, ActivityDataContract[]>();
  for (const a of def.activities) {
    if (!a.department || a.kind === 'route' || a.kind === 'start' || a.kind === 'end' || a.kind === 'block') continue;
    const list = byDepartment.get(a.department) ?? [];
    list.push(activityDataContract(def, a, c));
    byDepartment.set(a.department, list);
  }
  return [...byDepartment.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([department, activities]) => ({
      department,
      processId: def.id,
      activities,
      receives: [...new Set(activities.flatMap((x) => x.reads))].sort(),
      returns: [...new Set(activities.flatMap((x) => x.writes))].sort(),
    }));
}

/**
 * Processes of a package that are some department's own (intra-department) process: an activity
 * performed by that department names them as its IntraDepartmentProcess. Such a process belongs
 * to that department, whoever defined the package.
 */
export function intraDepartmentOwners(pkg: Pick<DefinitionPackage, 'processes'>): Map<string, string> {
  const owners = new Map<string, string>();
  for (const p of pkg.processes) {
    for (const a of p.activities) {
      const intra = a.extendedAttributes?.IntraDepartmentProcess;
      if (intra && a.department) owners.set(intra, a.department);
    }
  }
  return owners;
}
