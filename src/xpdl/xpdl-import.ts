/**
 * XPDL (WfMC Interface 1) → the engine's DefinitionPackage. The engine never reads XPDL; this is
 * the only place that knows it. Mapping rules are tabulated in docs/xpdl-mapping.md.
 */
import { isSafeScript, scriptLanguageOf } from '../engine';
import type {
  ApplicationDef,
  DataField,
  DefinitionPackage,
  FormalParameter,
  Participant,
  ProcessDefinition,
  TransitionDef,
} from '../engine';
import {
  activityLocation,
  mapActivity,
  splitTransitionOrder,
  type ActivityScope,
  type ProcessProxy,
} from './xpdl-activity-mapper';
import { attr, child, children, extendedAttributeList, parseXpdlDocument, text, type XNode } from './xpdl-document';
import {
  ENDPOINT_ATTRIBUTES,
  HANDLER_ATTRIBUTE,
  looksLikeAddress,
  PROXY_PROCESS_REF,
  PROXY_REMOTE_REF,
} from './xpdl-conventions';
import { XpdlImportError } from './xpdl-import-error';
import { mapTransition } from './xpdl-transition-mapper';
import { decideUnconditionalChoices } from './xpdl-unconditional-choices';
import { prepareGraph } from './xpdl-graph-mapper';
import { undecidableScriptNotes } from './xpdl-script-notes';
import { dataTypeFromBasicType, isParticipantType, isXpdlTrue, stringInitialValue } from './xpdl-values';

export function importXpdl(xml: string): DefinitionPackage {
  const { root } = parseXpdlDocument(xml);
  const packageId = attr(root, 'Id');
  if (!packageId) {
    throw new XpdlImportError({ element: 'Package', problem: 'invalid', reason: 'the Package has no Id' });
  }
  const warnings: string[] = [];
  const packageLabel = `package "${packageId}"`;
  // The package's script language is that of every expression and script in it (XPDL 1.0/2.x
  // Package/Script@Type); kept as written so that export writes it back.
  const scriptType = attr(child(root, 'Script'), 'Type')?.trim() || undefined;
  const javascript = scriptLanguageOf(scriptType) === 'javascript';

  const packageParticipants = readParticipants(root, packageLabel);
  const packageApplications = readApplications(root, packageLabel, warnings, javascript);
  const packageFields = readDataFields(root, packageLabel);

  const processNodes = children(child(root, 'WorkflowProcesses'), 'WorkflowProcess');
  const seen = new Set<string>();
  for (const node of processNodes) {
    const id = attr(node, 'Id');
    if (!id) throw new XpdlImportError({ element: 'WorkflowProcess', location: packageLabel, problem: 'invalid', reason: 'a WorkflowProcess has no Id' });
    if (seen.has(id)) throw new XpdlImportError({ element: 'WorkflowProcess', elementId: id, location: packageLabel, problem: 'invalid', reason: 'the process Id is used twice' });
    seen.add(id);
  }

  // Proxies stand for processes that run elsewhere; they are call targets, not definitions.
  const proxies = new Map<string, ProcessProxy>();
  const localProcesses = new Map<string, DataField[]>();
  const realProcesses: XNode[] = [];
  for (const node of processNodes) {
    const id = attr(node, 'Id') as string;
    const formals = readFormalParameters(node, `process "${id}"`);
    const proxy = proxyOf(node, formals);
    if (proxy) proxies.set(id, proxy);
    else if (isEmptyProcess(node)) {
      // BPMN modellers (Bizagi) export the hidden main pool as a process with nothing in it.
      warnings.push(`process "${id}"${attr(node, 'Name') ? ` ("${attr(node, 'Name')}")` : ''} has no activities; it was skipped`);
    } else {
      localProcesses.set(id, formals);
      realProcesses.push(node);
    }
  }
  if (realProcesses.length === 0) refuseNothingToDeploy(root, processNodes.length, proxies.size, packageLabel, warnings);

  const processes = realProcesses.map((node) =>
    mapProcess(node, {
      packageId,
      participants: packageParticipants,
      applications: packageApplications,
      dataFields: packageFields,
      localProcesses,
      proxies,
      warnings,
      scriptType,
      javascript,
    }),
  );

  const result: DefinitionPackage = { id: packageId, processes, warnings };
  const entry = entryProcess(processes);
  if (entry) result.entry = entry;
  const name = attr(root, 'Name');
  if (name) result.name = name;
  return result;
}

function isEmptyProcess(node: XNode): boolean {
  return children(child(node, 'Activities'), 'Activity').length === 0 && children(child(node, 'ActivitySets'), 'ActivitySet').length === 0;
}

/**
 * A package that deploys nothing is a mistake (a wrong file, an export of the diagram only),
 * unless it only declares things other packages use: types, participants, applications, data.
 */
function refuseNothingToDeploy(root: XNode, processCount: number, proxyCount: number, label: string, warnings: string[]): void {
  const declares = ['TypeDeclarations', 'Participants', 'Applications', 'DataFields'].filter((name) => {
    const container = child(root, name);
    return container !== undefined && Object.keys(container).some((k) => k !== '@' && k !== '#text');
  });
  if (processCount === 0 && declares.length > 0) {
    warnings.push(`${label} has no WorkflowProcess: it only declares ${declares.join(', ')}; nothing was deployed`);
    return;
  }
  const found =
    processCount === 0
      ? 'it has no WorkflowProcess'
      : `its ${processCount} WorkflowProcess element${processCount === 1 ? ' has' : 's have'} no activities${proxyCount ? ` (or only stand for processes elsewhere)` : ''}`;
  throw new XpdlImportError({
    element: 'WorkflowProcesses',
    location: label,
    problem: 'invalid',
    reason: `nothing to deploy: ${found}; export the process model (not only the diagram or the pools) from your modelling tool`,
  });
}

/**
 * The process a package is started by, when it has several: the first (in document order) that no
 * other process of the package calls as a SubFlow.
 */
function entryProcess(processes: ProcessDefinition[]): string | undefined {
  if (processes.length < 2) return undefined;
  const called = new Set<string>();
  for (const p of processes) {
    for (const a of p.activities) if (a.kind === 'subprocess' && a.subprocess && a.subprocess.processId !== p.id) called.add(a.subprocess.processId);
  }
  return (processes.find((p) => !called.has(p.id)) ?? processes[0]).id;
}

interface PackageScope {
  packageId: string;
  participants: Participant[];
  applications: ApplicationDef[];
  dataFields: DataField[];
  localProcesses: ReadonlyMap<string, DataField[]>;
  proxies: ReadonlyMap<string, ProcessProxy>;
  warnings: string[];
  scriptType?: string;
  javascript: boolean;
}

function proxyOf(node: XNode, formals: DataField[]): ProcessProxy | undefined {
  if (attr(node, 'ProcessType') !== 'Abstract') return undefined;
  if (children(child(node, 'Activities'), 'Activity').length > 0) return undefined;
  const attributes = extendedAttributeList(node);
  const processRef = attributes.find((a) => a.name === PROXY_PROCESS_REF)?.value;
  if (!processRef) return undefined;
  const proxy: ProcessProxy = { processId: processRef, formalParameters: formals };
  const remoteRef = attributes.find((a) => a.name === PROXY_REMOTE_REF)?.value;
  if (remoteRef) proxy.remoteRef = remoteRef;
  return proxy;
}

function mapProcess(node: XNode, pkg: PackageScope): ProcessDefinition {
  const id = attr(node, 'Id') as string;
  const label = `process "${id}"`;

  if (children(child(node, 'Assignments'), 'Assignment').length > 0) {
    throw new XpdlImportError({
      element: 'Assignments',
      elementId: id,
      location: label,
      reason: 'process assignments are not supported; compute the values in a TaskScript activity after the start instead',
    });
  }

  const participants = mergeById(pkg.participants, readParticipants(node, label));
  const applications = mergeById(pkg.applications, readApplications(node, label, pkg.warnings, pkg.javascript));
  const formals = pkg.localProcesses.get(id) ?? [];
  const fields = mergeById(pkg.dataFields, readDataFields(node, label));
  // A formal parameter is the field (with its direction); a data field of the same Id would be a
  // second declaration of the same variable.
  const formalIds = new Set(formals.map((f) => f.id));
  const dataFields = [...formals, ...fields.filter((f) => !formalIds.has(f.id))];

  // The process's own graph, then each activity set's (a BlockActivity's embedded sub-graph). Ids
  // are unique across all of them: the engine indexes one process's activities together.
  const setNodes = children(child(node, 'ActivitySets'), 'ActivitySet');
  const graphs: Array<{ set?: string; name?: string; activityNodes: XNode[]; transitionNodes: XNode[] }> = [
    { activityNodes: children(child(node, 'Activities'), 'Activity'), transitionNodes: children(child(node, 'Transitions'), 'Transition') },
  ];
  for (const setNode of setNodes) {
    const setId = attr(setNode, 'Id');
    if (!setId) throw new XpdlImportError({ element: 'ActivitySet', location: label, problem: 'invalid', reason: 'an ActivitySet has no Id' });
    if (graphs.some((g) => g.set === setId)) {
      throw new XpdlImportError({ element: 'ActivitySet', elementId: setId, location: label, problem: 'invalid', reason: 'the activity set Id is used twice' });
    }
    if (isXpdlTrue(attr(setNode, 'AdHoc'))) {
      throw new XpdlImportError({
        element: 'ActivitySet',
        elementId: setId,
        location: label,
        reason: 'an ad-hoc activity set (AdHoc="true") is not supported: Interflow routes by transitions only; model the order explicitly',
      });
    }
    if (children(child(setNode, 'Activities'), 'Activity').length === 0) {
      // Modelling tools write a collapsed, never-detailed sub-process so: a block over it does nothing.
      pkg.warnings.push(`activity set "${setId}" of ${label} has no activities; a block running it completes at once`);
    }
    graphs.push({
      set: setId,
      ...(attr(setNode, 'Name') ? { name: attr(setNode, 'Name') } : {}),
      activityNodes: children(child(setNode, 'Activities'), 'Activity'),
      transitionNodes: children(child(setNode, 'Transitions'), 'Transition'),
    });
  }

  const activityIds = new Set<string>();
  for (const graph of graphs) {
    for (const activity of graph.activityNodes) {
      const activityId = attr(activity, 'Id');
      if (!activityId) {
        throw new XpdlImportError({ element: 'Activity', location: label, problem: 'invalid', reason: 'an Activity has no Id' });
      }
      if (activityIds.has(activityId)) {
        throw new XpdlImportError({ element: 'Activity', elementId: activityId, location: label, problem: 'invalid', reason: 'the activity Id is used twice' });
      }
      activityIds.add(activityId);
    }
  }

  const transitionIds = new Set<string>();
  const prepared = graphs.map((graph) => {
    const own: TransitionDef[] = [];
    for (const transitionNode of graph.transitionNodes) {
      const transition = mapTransition(transitionNode, id, activityIds, { fieldIds: new Set(dataFields.map((f) => f.id)), warnings: pkg.warnings });
      if (transitionIds.has(transition.id)) {
        throw new XpdlImportError({ element: 'Transition', elementId: transition.id, location: label, problem: 'invalid', reason: 'the transition Id is used twice' });
      }
      transitionIds.add(transition.id);
      if (graph.set !== undefined) transition.activitySet = graph.set;
      own.push(transition);
    }
    const graphLabel = graph.set === undefined ? label : `activity set "${graph.set}" of ${label}`;
    const result = prepareGraph(id, graph.activityNodes, own, graphLabel, pkg.javascript);
    for (const t of result.transitions) if (graph.set !== undefined) t.activitySet = graph.set;
    return { ...graph, ...result };
  });
  const transitions = prepared.flatMap((g) => g.transitions);
  const allTransitionIds = new Set<string>();
  for (const t of transitions) {
    // A Link pair's transition (`<throw>__link`) could collide with a transition of the file.
    if (allTransitionIds.has(t.id)) {
      throw new XpdlImportError({ element: 'Transition', elementId: t.id, location: label, problem: 'invalid', reason: 'the transition Id is used twice (a Link event pair is joined by a transition of this Id)' });
    }
    allTransitionIds.add(t.id);
  }

  const incoming = new Map<string, TransitionDef[]>();
  const outgoing = new Map<string, TransitionDef[]>();
  for (const t of transitions) {
    incoming.set(t.to, [...(incoming.get(t.to) ?? []), t]);
    outgoing.set(t.from, [...(outgoing.get(t.from) ?? []), t]);
  }

  const scope: ActivityScope = {
    processId: id,
    participants: new Map(participants.map((p) => [p.id, p])),
    applications: new Map(applications.map((a) => [a.id, a])),
    localProcesses: pkg.localProcesses,
    proxies: pkg.proxies,
    activitySets: new Set(graphs.flatMap((g) => (g.set !== undefined ? [g.set] : []))),
    incoming,
    outgoing,
    synthesised: [],
    warnings: pkg.warnings,
    javascript: pkg.javascript,
  };
  const adHoc = attr(node, 'AdHoc');
  if (adHoc === 'true' || adHoc === '1') {
    // Interleaved (Sequential) or free (Parallel) ad-hoc routing lets people pick the activities of
    // a set in any order; the engine runs transitions only, so it refuses rather than ignore it.
    const ordering = attr(node, 'AdHocOrdering') ?? 'Parallel';
    throw new XpdlImportError({
      element: 'WorkflowProcess',
      elementId: id,
      location: label,
      reason:
        `AdHoc="true" with AdHocOrdering "${ordering}" (${ordering === 'Sequential' ? 'interleaved parallel routing: the activities run one at a time in any order' : 'the activities run in any order and number'}) is not supported: ` +
        'Interflow routes by transitions only. Model the order explicitly (a sequence, or an AND-split and AND-join when the order does not matter and the activities may overlap), ' +
        'or let one manual activity hold the whole ad-hoc set as a checklist',
    });
  }
  const activities = prepared.flatMap((graph) =>
    graph.activityNodes.map((activityNode) => {
      const activity = mapActivity(activityNode, scope);
      const attached = graph.attached.get(activity.id);
      if (attached?.deadlines.length) activity.deadlines = [...(activity.deadlines ?? []), ...attached.deadlines];
      if (graph.set !== undefined) activity.activitySet = graph.set;
      return activity;
    }),
  );
  const activitySets = graphs.flatMap((g) => (g.set !== undefined ? [{ id: g.set, ...(g.name ? { name: g.name } : {}) }] : []));

  const process: ProcessDefinition = {
    id,
    packageId: pkg.packageId,
    dataFields,
    participants,
    applications: [...applications, ...scope.synthesised],
    activities,
    transitions: orderSplits(prepared.flatMap((g) => g.activityNodes), transitions, id),
  };
  if (pkg.scriptType !== undefined) process.scriptType = pkg.scriptType;
  if (activitySets.length) process.activitySets = activitySets;
  decideUnconditionalChoices(process, label, pkg.warnings);
  if (pkg.javascript) pkg.warnings.push(...undecidableScriptNotes(process));
  const name = attr(node, 'Name');
  if (name) process.name = name;
  const description = text(child(child(node, 'ProcessHeader'), 'Description'));
  if (description) process.description = description;
  const extended = attributeRecord(extendedAttributeList(node));
  const defaultStart = attr(node, 'DefaultStartActivityId');
  if (defaultStart !== undefined && extended.DefaultStartActivityId === undefined) extended.DefaultStartActivityId = defaultStart;
  if (Object.keys(extended).length) process.extendedAttributes = extended;
  return process;
}

/**
 * XPDL evaluates an XOR split's conditions in TransitionRefs order, the engine in array order:
 * each split's outgoing transitions are rearranged, within the slots they already occupy, into
 * TransitionRefs order.
 */
function orderSplits(activityNodes: XNode[], transitions: TransitionDef[], processId: string): TransitionDef[] {
  const result = [...transitions];
  for (const activity of activityNodes) {
    const refs = splitTransitionOrder(activity);
    if (refs.length === 0) continue;
    const activityId = attr(activity, 'Id') as string;
    const slots: number[] = [];
    result.forEach((t, i) => {
      if (t.from === activityId) slots.push(i);
    });
    const own = slots.map((i) => result[i]);
    for (const ref of refs) {
      if (!own.some((t) => t.id === ref)) {
        throw new XpdlImportError({
          element: 'TransitionRef',
          elementId: ref,
          location: activityLocation(processId, activityId),
          problem: 'invalid',
          reason: `the split refers to transition "${ref}", which does not leave this activity`,
        });
      }
    }
    const rank = (t: TransitionDef): number => {
      const r = refs.indexOf(t.id);
      return r === -1 ? refs.length : r;
    };
    const ordered = own.map((t, i) => ({ t, i })).sort((a, b) => rank(a.t) - rank(b.t) || a.i - b.i).map((x) => x.t);
    slots.forEach((slot, i) => {
      result[slot] = ordered[i];
    });
  }
  return result;
}

/** Package entries first, in order; a process entry with the same Id replaces it in place. */
function mergeById<T extends { id: string }>(outer: T[], inner: T[]): T[] {
  const merged = [...outer];
  for (const item of inner) {
    const at = merged.findIndex((m) => m.id === item.id);
    if (at >= 0) merged[at] = item;
    else merged.push(item);
  }
  return merged;
}

function attributeRecord(list: Array<{ name: string; value: string }>, skip: ReadonlySet<string> = new Set()): Record<string, string> {
  const record: Record<string, string> = {};
  for (const { name, value } of list) if (name !== '' && !skip.has(name)) record[name] = value;
  return record;
}

// ---------------------------------------------------------------------------------------------
// Declarations

function readParticipants(scopeNode: XNode, label: string): Participant[] {
  return children(child(scopeNode, 'Participants'), 'Participant').map((node) => {
    const id = attr(node, 'Id');
    if (!id) throw new XpdlImportError({ element: 'Participant', location: label, problem: 'invalid', reason: 'a Participant has no Id' });
    const type = attr(child(node, 'ParticipantType'), 'Type');
    if (!isParticipantType(type)) {
      throw new XpdlImportError({
        element: 'Participant',
        elementId: id,
        location: label,
        problem: 'invalid',
        reason: `ParticipantType "${type ?? '(missing)'}" is not one of ROLE, HUMAN, ORGANIZATIONAL_UNIT, SYSTEM, RESOURCE, RESOURCE_SET`,
      });
    }
    const participant: Participant = { id, type };
    const name = attr(node, 'Name');
    if (name) participant.name = name;
    const department = extendedAttributeList(node).find((a) => a.name === 'Department')?.value;
    if (department) participant.department = department;
    else if (type === 'ORGANIZATIONAL_UNIT') participant.department = id;
    const description = text(child(node, 'Description'));
    if (description) participant.description = description;
    return participant;
  });
}

function readMode(node: XNode, element: string, id: string, label: string): 'IN' | 'OUT' | 'INOUT' {
  const mode = attr(node, 'Mode') ?? 'IN';
  if (mode !== 'IN' && mode !== 'OUT' && mode !== 'INOUT') {
    throw new XpdlImportError({ element, elementId: id, location: label, problem: 'invalid', reason: `Mode "${mode}" is not IN, OUT or INOUT` });
  }
  return mode;
}

function readField(node: XNode, element: string, label: string): DataField {
  const id = attr(node, 'Id');
  if (!id) throw new XpdlImportError({ element, location: label, problem: 'invalid', reason: `a ${element} has no Id` });
  const dataType = child(node, 'DataType');
  // XPDL 2.1 EnumerationType: a STRING field that takes only the listed values (form choices).
  const enumeration = children(child(dataType, 'EnumerationType'), 'EnumerationValue').map((v) => attr(v, 'Name') ?? '').filter((v) => v !== '');
  const type = enumeration.length ? 'STRING' : dataTypeFromBasicType(attr(child(dataType, 'BasicType'), 'Type'));
  const field: DataField = { id, type };
  if (enumeration.length) field.allowedValues = enumeration;
  const name = attr(node, 'Name');
  if (name) field.name = name;
  if (isXpdlTrue(attr(node, 'IsArray'))) field.isArray = true;
  const initial = text(child(node, 'InitialValue'));
  if (initial !== '') field.initialValue = type === 'STRING' ? stringInitialValue(initial) : initial;
  const description = text(child(node, 'Description'));
  if (description) field.description = description;
  return field;
}

function readDataFields(scopeNode: XNode, label: string): DataField[] {
  return children(child(scopeNode, 'DataFields'), 'DataField').map((node) => readField(node, 'DataField', label));
}

function readFormalParameters(processNode: XNode, label: string): DataField[] {
  return children(child(processNode, 'FormalParameters'), 'FormalParameter').map((node) => {
    const field = readField(node, 'FormalParameter', label);
    return { ...field, mode: readMode(node, 'FormalParameter', field.id, label) };
  });
}

function readApplications(scopeNode: XNode, label: string, warnings: string[], javascript: boolean): ApplicationDef[] {
  return children(child(scopeNode, 'Applications'), 'Application').map((node) => readApplication(node, label, warnings, javascript));
}

function readApplication(node: XNode, label: string, warnings: string[], javascript: boolean): ApplicationDef {
  const id = attr(node, 'Id');
  if (!id) throw new XpdlImportError({ element: 'Application', location: label, problem: 'invalid', reason: 'an Application has no Id' });
  const formalParameters: FormalParameter[] = children(child(node, 'FormalParameters'), 'FormalParameter').map((p) => {
    const formalId = attr(p, 'Id');
    if (!formalId) {
      throw new XpdlImportError({ element: 'FormalParameter', location: `Application "${id}" (${label})`, problem: 'invalid', reason: 'a FormalParameter has no Id' });
    }
    return {
      id: formalId,
      mode: readMode(p, 'FormalParameter', formalId, `Application "${id}" (${label})`),
      type: dataTypeFromBasicType(attr(child(child(p, 'DataType'), 'BasicType'), 'Type')),
    };
  });

  const list = extendedAttributeList(node);
  const extended = attributeRecord(list, new Set([HANDLER_ATTRIBUTE]));
  const app: ApplicationDef = { id, formalParameters };
  const name = attr(node, 'Name');
  if (name) app.name = name;
  const description = text(child(node, 'Description'));
  if (description) app.description = description;

  // What the application runs: a script from the vendor's tool agent (Shark/JaWE) or XPDL 2.1
  // Type/Script, a web service, or otherwise code the deployment registers.
  const type = child(node, 'Type');
  const script = extended.Script ?? (type ? text(child(child(type, 'Script'), 'Expression')) || undefined : undefined);
  const webService = child(child(type, 'WebService'), 'WebServiceOperation');
  let endpoint = attr(child(child(child(webService, 'Service'), 'EndPoint'), 'ExternalReference'), 'location');
  if (webService) {
    const operation = attr(webService, 'OperationName');
    if (operation && extended.OperationName === undefined) extended.OperationName = operation;
  }
  endpoint ??= list.find((a) => ENDPOINT_ATTRIBUTES.has(a.name.toLowerCase()) && looksLikeAddress(a.value))?.value;
  if (Object.keys(extended).length) app.extendedAttributes = extended;

  // In a JavaScript package a script is JavaScript (checked for syntax when deployed) unless its
  // Shark tool agent says BeanShell; elsewhere it must be in the engine's own language.
  const agent = extended.ToolAgentClassProxy ?? extended.ToolAgentClass;
  const beanShell = agent !== undefined && /bsh|beanshell/i.test(agent);
  if (script !== undefined && script.trim() !== '' && (javascript && !beanShell ? true : isSafeScript(script))) app.script = script;
  if (endpoint) app.endpoint = endpoint;
  if (app.script === undefined && app.endpoint === undefined) {
    const handler = list.find((a) => a.name === HANDLER_ATTRIBUTE)?.value || id;
    app.handler = handler;
    if (script !== undefined && script.trim() !== '') {
      warnings.push(
        `Application "${id}" (${label}) carries a script Interflow does not run${agent ? ` (${agent})` : ''}; register a handler named "${handler}" to implement it`,
      );
    } else {
      const kind = type ? ['Ejb', 'Pojo', 'Xslt', 'BusinessRule', 'Form'].find((k) => child(type, k) !== undefined) : undefined;
      const what = kind ? `is an ${kind} application, which Interflow does not run itself` : 'has no script or web service Interflow can run';
      warnings.push(`Application "${id}" (${label}) ${what}; register a handler named "${handler}" to implement it`);
    }
  }
  return app;
}
