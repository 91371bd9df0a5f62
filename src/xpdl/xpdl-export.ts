/**
 * DefinitionPackage → XPDL 2.1 (bpmnxpdl_31.xsd), so that a definition published through Interflow
 * can be opened in other editors and re-imported unchanged: importXpdl(exportXpdl(p)) gives p back
 * for any p that importXpdl produced. Mapping rules are tabulated in docs/xpdl-mapping.md.
 *
 * Everything is written at process level: the importer flattens package-level declarations into
 * each process, so writing them back per process is what reproduces the model exactly.
 */
import type {
  ApplicationDef,
  DataField,
  DataType,
  DefinitionPackage,
  Participant,
  ProcessDefinition,
  TransitionDef,
} from '../engine';
import { activityElement, conditionElement, extendedAttributesElement, isTaskScript } from './xpdl-activity-writer';
import { XPDL_NAMESPACES } from './xpdl-document';
import { XpdlExportError } from './xpdl-export-error';
import { ENDPOINT_ATTRIBUTES, HANDLER_ATTRIBUTE, looksLikeAddress, PROXY_PROCESS_REF, PROXY_REMOTE_REF } from './xpdl-conventions';
import { isNmToken } from './xpdl-values';
import { el, serialise, type XmlElement } from './xml-writer';

const x = (name: string): string => `xpdl:${name}`;

export interface XpdlExportOptions {
  /** PackageHeader/Vendor; defaults to "Interflow". */
  vendor?: string;
  /** PackageHeader/Created; defaults to now (ISO 8601). */
  created?: string;
}

type SubprocessCall = { processId: string; remoteRef?: string };

export function exportXpdl(pkg: DefinitionPackage, options: XpdlExportOptions = {}): string {
  checkIds(pkg);

  // XPDL 2.1 requires SubFlow/@Id to name a WorkflowProcess of the same package. A call to a
  // process elsewhere (another engine, or a package deployed separately) is therefore written
  // against an abstract "proxy" process that only records where the real one is.
  const realIds = new Set(pkg.processes.map((p) => p.id));
  const proxies = new Map<string, { id: string; call: SubprocessCall }>();
  const proxyIds = new Set<string>();
  const subFlowTarget = (call: SubprocessCall): string => {
    if (call.remoteRef === undefined && realIds.has(call.processId)) return call.processId;
    const key = `${call.processId}\u0000${call.remoteRef ?? ''}`;
    const known = proxies.get(key);
    if (known) return known.id;
    const base = call.processId.replace(/[^\p{L}\p{N}_.\-]/gu, '_') || 'process';
    let id = base;
    for (let n = 2; realIds.has(id) || proxyIds.has(id); n++) id = `${base}_${n}`;
    proxyIds.add(id);
    proxies.set(key, { id, call: { processId: call.processId, ...(call.remoteRef !== undefined ? { remoteRef: call.remoteRef } : {}) } });
    return id;
  };

  const processElements = pkg.processes.map((p) => processElement(p, subFlowTarget));
  const proxyElements = [...proxies.values()].map(({ id, call }) =>
    el(
      x('WorkflowProcess'),
      { Id: id, Name: call.processId, ProcessType: 'Abstract' },
      el(
        x('ProcessHeader'),
        {},
        el(x('Description'), {}, call.remoteRef !== undefined ? `Runs on another engine: ${call.remoteRef}` : 'Defined outside this package'),
      ),
      extendedAttributesElement([
        [PROXY_PROCESS_REF, call.processId],
        ...(call.remoteRef !== undefined ? ([[PROXY_REMOTE_REF, call.remoteRef]] as Array<[string, string]>) : []),
      ]),
    ),
  );

  // XPDL declares the script language once per package; processes deployed from one package share it.
  const scriptTypes = [...new Set(pkg.processes.map((p) => p.scriptType))];
  if (scriptTypes.length > 1) {
    throw new XpdlExportError(`package "${pkg.id}"`, `its processes declare different script languages (${scriptTypes.map((t) => t ?? 'none').join(', ')}); export them separately`);
  }
  const scriptType = scriptTypes[0];
  const root = el(
    x('Package'),
    {
      'xmlns:xpdl': XPDL_NAMESPACES['2.1'],
      'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      'xsi:schemaLocation': `${XPDL_NAMESPACES['2.1']} http://www.wfmc.org/standards/docs/bpmnxpdl_31.xsd`,
      Id: pkg.id,
      Name: pkg.name,
    },
    el(
      x('PackageHeader'),
      {},
      el(x('XPDLVersion'), {}, '2.1'),
      el(x('Vendor'), {}, options.vendor ?? 'Interflow'),
      el(x('Created'), {}, options.created ?? new Date().toISOString()),
    ),
    el(x('ConformanceClass'), { GraphConformance: 'NON_BLOCKED' }),
    scriptType !== undefined && el(x('Script'), { Type: scriptType }),
    processElements.length + proxyElements.length > 0 && el(x('WorkflowProcesses'), {}, processElements, proxyElements),
  );
  return serialise(root);
}

function processElement(process: ProcessDefinition, subFlowTarget: (call: SubprocessCall) => string): XmlElement {
  const participants = new Map(process.participants.map((p) => [p.id, p]));
  const applications = new Map(process.applications.map((a) => [a.id, a]));
  // Applications the importer synthesised for TaskScript activities are written as TaskScript.
  const scripted = new Set(process.activities.filter((a) => isTaskScript(a, applications)).map((a) => a.application?.id));
  const formals = process.dataFields.filter((f) => f.mode !== undefined);
  const fields = process.dataFields.filter((f) => f.mode === undefined);
  const declaredApplications = process.applications.filter((a) => !scripted.has(a.id));

  return el(
    x('WorkflowProcess'),
    { Id: process.id, Name: process.name },
    el(x('ProcessHeader'), {}, process.description !== undefined && el(x('Description'), {}, process.description)),
    formals.length > 0 && el(x('FormalParameters'), {}, formals.map((f) => fieldElement('FormalParameter', f))),
    process.participants.length > 0 && el(x('Participants'), {}, process.participants.map(participantElement)),
    declaredApplications.length > 0 && el(x('Applications'), {}, declaredApplications.map(applicationElement)),
    fields.length > 0 && el(x('DataFields'), {}, fields.map((f) => fieldElement('DataField', f))),
    (process.activitySets ?? []).length > 0 &&
      el(
        x('ActivitySets'),
        {},
        (process.activitySets ?? []).map((set) => el(x('ActivitySet'), { Id: set.id, Name: set.name }, ...graphElements(set.id))),
      ),
    ...graphElements(undefined),
    extendedAttributesElement(Object.entries(process.extendedAttributes ?? {})),
  );

  /** One graph's Activities and Transitions: the process's own (undefined) or an activity set's. */
  function graphElements(set: string | undefined): Array<XmlElement | false> {
    const activities = process.activities.filter((a) => a.activitySet === set);
    const transitions = process.transitions.filter((t) => t.activitySet === set);
    return [
      activities.length > 0 &&
        el(x('Activities'), {}, activities.map((a) => activityElement(a, { process, participants, applications, subFlowTarget }))),
      transitions.length > 0 && el(x('Transitions'), {}, transitions.map(transitionElement)),
    ];
  }
}

function dataTypeElement(type: DataType): XmlElement {
  // XPDL has no "any" basic type; an open SchemaType reads back as ANY.
  return el(x('DataType'), {}, type === 'ANY' ? el(x('SchemaType')) : el(x('BasicType'), { Type: type }));
}

function fieldElement(element: 'DataField' | 'FormalParameter', field: DataField): XmlElement {
  return el(
    x(element),
    { Id: field.id, Mode: element === 'FormalParameter' ? field.mode : undefined, Name: field.name, IsArray: field.isArray ? 'true' : undefined },
    field.allowedValues?.length
      ? el(x('DataType'), {}, el(x('EnumerationType'), {}, field.allowedValues.map((v) => el(x('EnumerationValue'), { Name: v }))))
      : dataTypeElement(field.type),
    field.initialValue !== undefined && el(x('InitialValue'), {}, field.initialValue),
    field.description !== undefined && el(x('Description'), {}, field.description),
  );
}

function participantElement(participant: Participant): XmlElement {
  const implied = participant.type === 'ORGANIZATIONAL_UNIT' ? participant.id : undefined;
  const department = participant.department !== undefined && participant.department !== implied ? participant.department : undefined;
  return el(
    x('Participant'),
    { Id: participant.id, Name: participant.name },
    el(x('ParticipantType'), { Type: participant.type }),
    participant.description !== undefined && el(x('Description'), {}, participant.description),
    department !== undefined && extendedAttributesElement([['Department', department]]),
  );
}

function applicationElement(app: ApplicationDef): XmlElement {
  const attributes: Record<string, string> = { ...(app.extendedAttributes ?? {}) };
  if (app.script !== undefined) attributes.Script = app.script;
  if (app.handler !== undefined && app.handler !== app.id) attributes[HANDLER_ATTRIBUTE] = app.handler;

  // The importer reads a web service address from Type/WebService or from an extended attribute
  // such as WSDL; write the structure only when the attributes would not give the address back.
  let type: XmlElement | undefined;
  if (app.endpoint !== undefined) {
    const fromAttributes = Object.entries(app.extendedAttributes ?? {}).find(
      ([name, value]) => ENDPOINT_ATTRIBUTES.has(name.toLowerCase()) && looksLikeAddress(value),
    );
    if (fromAttributes?.[1] !== app.endpoint) {
      const operation = attributes.OperationName ?? app.id;
      type = el(
        x('Type'),
        {},
        el(
          x('WebService'),
          { InputMsgName: operation },
          el(
            x('WebServiceOperation'),
            { OperationName: operation },
            el(
              x('Service'),
              { ServiceName: app.id, PortName: app.id },
              el(x('EndPoint'), { EndPointType: 'WSDL' }, el(x('ExternalReference'), { location: app.endpoint })),
            ),
          ),
        ),
      );
    }
  }

  return el(
    x('Application'),
    { Id: app.id, Name: app.name },
    app.description !== undefined && el(x('Description'), {}, app.description),
    type,
    app.formalParameters.length > 0 &&
      el(
        x('FormalParameters'),
        {},
        app.formalParameters.map((p) => el(x('FormalParameter'), { Id: p.id, Mode: p.mode }, dataTypeElement(p.type))),
      ),
    extendedAttributesElement(Object.entries(attributes)),
  );
}

function transitionElement(transition: TransitionDef): XmlElement {
  return el(
    x('Transition'),
    { Id: transition.id, From: transition.from, To: transition.to, Name: transition.name },
    conditionElement(transition.kind, transition.condition),
  );
}

/**
 * The schema types Ids as NMTOKENs and keys activity Ids across the whole package; refusing here
 * names the offending definition instead of handing out a document that fails validation.
 */
function checkIds(pkg: DefinitionPackage): void {
  const nmToken = (value: string, where: string, what: string): void => {
    if (!isNmToken(value)) {
      throw new XpdlExportError(where, `${what} "${value}" is not an XML NMTOKEN (letters, digits, ".", "-", "_", ":"); rename it`);
    }
  };
  nmToken(pkg.id, `package "${pkg.id}"`, 'the package Id');
  const processIds = new Set<string>();
  const activityOwner = new Map<string, string>();
  for (const p of pkg.processes) {
    const where = `process "${p.id}"`;
    nmToken(p.id, where, 'the process Id');
    if (processIds.has(p.id)) throw new XpdlExportError(where, 'two processes have this Id');
    processIds.add(p.id);
    for (const f of p.dataFields) nmToken(f.id, where, 'the data field Id');
    for (const pa of p.participants) nmToken(pa.id, where, 'the participant Id');
    for (const app of p.applications) {
      nmToken(app.id, where, 'the application Id');
      for (const formal of app.formalParameters) nmToken(formal.id, `application "${app.id}" (${where})`, 'the formal parameter Id');
      for (const name of Object.keys(app.extendedAttributes ?? {})) nmToken(name, `application "${app.id}" (${where})`, 'the extended attribute name');
    }
    for (const name of Object.keys(p.extendedAttributes ?? {})) nmToken(name, where, 'the extended attribute name');
    const ids = new Set<string>();
    for (const a of p.activities) {
      const at = `activity "${a.id}" (${where})`;
      nmToken(a.id, at, 'the activity Id');
      const owner = activityOwner.get(a.id);
      if (owner !== undefined) {
        throw new XpdlExportError(at, `process "${owner}" has an activity with the same Id; XPDL 2.1 requires activity Ids to be unique in the package`);
      }
      activityOwner.set(a.id, p.id);
      ids.add(a.id);
      for (const name of Object.keys(a.extendedAttributes ?? {})) nmToken(name, at, 'the extended attribute name');
    }
    for (const set of p.activitySets ?? []) nmToken(set.id, where, 'the activity set Id');
    const transitionIds = new Set<string>();
    for (const t of p.transitions) {
      const at = `transition "${t.id}" (${where})`;
      nmToken(t.id, at, 'the transition Id');
      if (transitionIds.has(t.id)) throw new XpdlExportError(at, 'two transitions have this Id');
      transitionIds.add(t.id);
      if (!ids.has(t.from)) throw new XpdlExportError(at, `From refers to unknown activity "${t.from}"`);
      if (!ids.has(t.to)) throw new XpdlExportError(at, `To refers to unknown activity "${t.to}"`);
    }
  }
}
