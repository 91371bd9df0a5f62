import { departmentDataFlows, NotFoundError, type DepartmentDataFlow, type ProcessDefinition, type WorkflowEngine } from '../engine';
import { importXpdl } from '../xpdl';
import type { HeldPackage } from './held-packages';

/** Per department, the activities it performs in `def` and the fields it receives and returns. */
export function dataFlowsOf(def: ProcessDefinition): DepartmentDataFlow[] {
  return departmentDataFlows(def);
}

/** One activity a held package gives this department to perform. */
export interface PackageActivity {
  processId: string;
  activityId: string;
  name?: string;
  /** Not performed by this department in the installed latest version of the process. */
  added: boolean;
  /** The fields the home would send this department for it, and those it may send back. */
  reads: string[];
  writes: string[];
}

export interface HeldPackageImpact {
  department?: string;
  activities: PackageActivity[];
  /** Processes of the package not installed here yet. */
  newProcesses: string[];
}

/**
 * What installing a held package would mean for this department: the activities it would
 * perform, which of them it does not perform today, and the fields each brings here.
 */
export async function heldPackageImpact(engine: WorkflowEngine, held: HeldPackage & { source: string }): Promise<HeldPackageImpact> {
  const department = engine.department;
  const pkg = importXpdl(held.source);
  const activities: PackageActivity[] = [];
  const newProcesses: string[] = [];
  for (const def of pkg.processes) {
    const installed = await engine.getDefinition(def.id).catch((e: unknown) => {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    });
    if (!installed) newProcesses.push(def.id);
    if (!department) continue;
    const performedNow = new Set(installed?.definition.activities.filter((a) => a.department === department).map((a) => a.id) ?? []);
    const flow = dataFlowsOf(def).find((f) => f.department === department);
    for (const c of flow?.activities ?? []) {
      const a = def.activities.find((x) => x.id === c.activityId);
      activities.push({ processId: def.id, activityId: c.activityId, ...(a?.name ? { name: a.name } : {}), added: !performedNow.has(c.activityId), reads: c.reads, writes: c.writes });
    }
  }
  return { ...(department ? { department } : {}), activities, newProcesses };
}
