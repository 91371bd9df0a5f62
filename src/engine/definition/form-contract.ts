import type { ActivityDef, DataField, DataType, ProcessDefinition } from './process-definition';

/**
 * What a work item asks of its performer, read from the definition alone: the fields its activity
 * updates (with whether each must be given, and the values it may take) and the fields it shows.
 * The console's form and the ProcessService WorkItem/Form are both built from this, so a legacy
 * client learns over SOAP exactly what a person sees in the console.
 */
export interface FormFieldSpec {
  id: string;
  /** The field's display name (XPDL DataField@Name). */
  label?: string;
  type: DataType;
  isArray: boolean;
  allowedValues?: string[];
  description?: string;
}

export interface UpdateFieldSpec extends FormFieldSpec {
  required: boolean;
}

export interface ActivityForm {
  updates: UpdateFieldSpec[];
  /** VIEW fields that are not also updated. */
  reads: FormFieldSpec[];
}

export function activityForm(def: ProcessDefinition, a: ActivityDef): ActivityForm {
  const fields = new Map(def.dataFields.map((f) => [f.id, f]));
  const spec = (id: string): FormFieldSpec => describe(id, fields.get(id));
  const updates = a.updates ?? [];
  const required = new Set(a.required ?? []);
  return {
    updates: updates.map((id) => ({ ...spec(id), required: required.has(id) })),
    reads: (a.views ?? []).filter((v) => !updates.includes(v)).map(spec),
  };
}

function describe(id: string, f: DataField | undefined): FormFieldSpec {
  return {
    id,
    ...(f?.name ? { label: f.name } : {}),
    type: f?.type ?? 'STRING',
    isArray: f?.isArray ?? false,
    ...(f?.allowedValues?.length ? { allowedValues: [...f.allowedValues] } : {}),
    ...(f?.description ? { description: f.description } : {}),
  };
}

/**
 * The required fields a completion leaves out. "Given" means present in the completion's data with
 * a value: not null, not blank text, not an empty list. A value the case already holds does not
 * count: the performer must answer (a BOOLEAN's initial false would otherwise satisfy any check).
 */
export function missingRequiredFields(a: ActivityDef, data: Record<string, unknown> | undefined): string[] {
  const given = (v: unknown): boolean => v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === '') && !(Array.isArray(v) && v.length === 0);
  return (a.required ?? []).filter((id) => !given(data?.[id]));
}

/** Deploy-time checks of the form declarations; each problem names its element. */
export function formProblems(def: ProcessDefinition): string[] {
  const problems: string[] = [];
  for (const f of def.dataFields) {
    if (f.allowedValues?.length && f.type !== 'STRING') {
      problems.push(`Data field "${f.id}" declares allowed values (an enumeration) but is ${f.type}; enumerations are STRING fields`);
    }
  }
  for (const a of def.activities) {
    const updates = new Set(a.updates ?? []);
    for (const r of a.required ?? []) {
      if (!updates.has(r)) {
        problems.push(`Activity "${a.id}" marks "${r}" as required, but does not update it (it updates: ${[...updates].join(', ') || 'nothing'}); a required field must also be a VariableToProcess_UPDATE of the activity`);
      }
    }
  }
  return problems;
}
