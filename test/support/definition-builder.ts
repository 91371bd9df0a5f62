import type {
  ActivityDef,
  ApplicationDef,
  DataField,
  DefinitionPackage,
  Participant,
  ProcessDefinition,
  TransitionDef,
} from '../../src/engine';

/** Terse definitions for engine tests; XPDL tests cover the import path separately. */
export function activity(id: string, kind: ActivityDef['kind'], extra: Partial<ActivityDef> = {}): ActivityDef {
  return { id, name: id, kind, join: 'none', split: 'none', performers: [], fireRule: 'last', ...extra };
}

export const start = (id = 'start') => activity(id, 'start');
export const end = (id = 'end', extra: Partial<ActivityDef> = {}) => activity(id, 'end', extra);
export const manual = (id: string, performer = 'clerk', extra: Partial<ActivityDef> = {}) =>
  activity(id, 'manual', { performers: [performer], ...extra });
export const route = (id: string, extra: Partial<ActivityDef> = {}) => activity(id, 'route', extra);
export const auto = (id: string, app: string, extra: Partial<ActivityDef> = {}) =>
  activity(id, 'automatic', { application: { id: app, parameters: [] }, ...extra });

let seq = 0;
export function flow(from: string, to: string, condition?: string): TransitionDef {
  seq += 1;
  if (condition === 'otherwise') return { id: `t${seq}`, from, to, kind: 'otherwise' };
  if (condition?.startsWith('exception:')) return { id: `t${seq}`, from, to, kind: 'exception', condition: condition.slice(10) };
  return condition ? { id: `t${seq}`, from, to, kind: 'condition', condition } : { id: `t${seq}`, from, to, kind: 'normal' };
}

export function field(id: string, type: DataField['type'], initialValue?: string): DataField {
  return { id, type, ...(initialValue !== undefined ? { initialValue } : {}) };
}

export function process(
  id: string,
  parts: {
    fields?: DataField[];
    activities: ActivityDef[];
    transitions: TransitionDef[];
    applications?: ApplicationDef[];
    participants?: Participant[];
  },
): ProcessDefinition {
  return {
    id,
    name: id,
    dataFields: parts.fields ?? [],
    participants: parts.participants ?? [],
    applications: parts.applications ?? [],
    activities: parts.activities,
    transitions: parts.transitions,
  };
}

export function pkg(...processes: ProcessDefinition[]): DefinitionPackage {
  return { id: processes[0].id + '_pkg', processes, warnings: [] };
}

export const app = (id: string, extra: Partial<ApplicationDef> = {}): ApplicationDef => ({ id, formalParameters: [], ...extra });
