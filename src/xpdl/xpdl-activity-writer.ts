/**
 * ActivityDef → XPDL 2.1 Activity, the inverse of xpdl-activity-mapper.ts: whatever the mapper
 * derives from an element is written as that element (not as an extended attribute), so that
 * importing the output gives back the same ActivityDef and other XPDL tools see real XPDL.
 */
import type { ActivityDef, ApplicationDef, Participant, ProcessDefinition } from '../engine';
import { ANY_EXCEPTION, MI_FLOW_ONE, SCRIPT_APPLICATION_SUFFIX, SIGNAL_EXCEPTION_PREFIX } from './xpdl-conventions';
import { XpdlExportError } from './xpdl-export-error';
import { gatewayTypeName } from './xpdl-values';
import { XPDL_NAMESPACES } from './xpdl-document';
import { el, type XmlElement } from './xml-writer';

const x = (name: string): string => `xpdl:${name}`;

const START_TRIGGERS = new Set(['None', 'Message', 'Timer', 'Conditional', 'Signal', 'Multiple']);
const MODES = new Set(['Automatic', 'Manual']);

export interface ActivityWriterScope {
  process: ProcessDefinition;
  participants: ReadonlyMap<string, Participant>;
  applications: ReadonlyMap<string, ApplicationDef>;
  /** The WorkflowProcess Id a SubFlow must name for this call (the process, or its proxy). */
  subFlowTarget(subprocess: NonNullable<ActivityDef['subprocess']>): string;
}

/**
 * True when the activity's application is the one the importer synthesises for a TaskScript, so
 * it is written back as a TaskScript rather than as an Application of the process.
 */
export function isTaskScript(activity: ActivityDef, applications: ReadonlyMap<string, ApplicationDef>): boolean {
  const call = activity.application;
  if (activity.kind !== 'automatic' || !call || call.id !== `${activity.id}${SCRIPT_APPLICATION_SUFFIX}`) return false;
  if (call.parameters.length > 0) return false;
  const app = applications.get(call.id);
  return (
    app !== undefined &&
    app.script !== undefined &&
    app.formalParameters.length === 0 &&
    app.handler === undefined &&
    app.endpoint === undefined &&
    app.name === undefined &&
    app.description === undefined &&
    app.extendedAttributes === undefined
  );
}

export function activityElement(activity: ActivityDef, scope: ActivityWriterScope): XmlElement {
  const where = `Activity "${activity.id}" (process "${scope.process.id}")`;
  const attributes = { ...(activity.extendedAttributes ?? {}) };
  // Attributes written as XPDL structure are taken out of the ExtendedAttributes list.
  const take = (name: string): string | undefined => {
    const value = attributes[name];
    delete attributes[name];
    return value;
  };

  const body = behaviourElement(activity, scope, where, take);

  const startMode = MODES.has(attributes.StartMode ?? '') ? take('StartMode') : undefined;
  const finishMode = MODES.has(attributes.FinishMode ?? '') ? take('FinishMode') : undefined;

  const extended: Array<[string, string]> = [
    ...(activity.views ?? []).map((v): [string, string] => ['VariableToProcess_VIEW', v]),
    ...(activity.updates ?? []).map((u): [string, string] => ['VariableToProcess_UPDATE', u]),
    ...(activity.required ?? []).map((r): [string, string] => ['Required', r]),
  ];
  if (activity.department !== undefined && activity.department !== derivedDepartment(activity, scope.participants)) {
    extended.push(['Department', activity.department]);
  }
  if (activity.fireRule !== 'last') extended.push(['FireRule', activity.fireRule]);
  extended.push(...Object.entries(attributes));

  return el(
    x('Activity'),
    { Id: activity.id, Name: activity.name, StartMode: startMode, FinishMode: finishMode },
    activity.description !== undefined && el(x('Description'), {}, activity.description),
    body,
    activity.performers.length > 0 && el(x('Performers'), {}, activity.performers.map((p) => el(x('Performer'), {}, p))),
    (activity.deadlines ?? []).map((d) =>
      el(
        x('Deadline'),
        { Execution: d.synchronous ? 'SYNCHR' : 'ASYNCHR' },
        el(x('DeadlineDuration'), {}, d.duration),
        d.exceptionName !== '' && el(x('ExceptionName'), {}, d.exceptionName),
      ),
    ),
    transitionRestrictions(activity, scope.process),
    extendedAttributesElement(extended),
    loopElement(activity, where),
  );
}

/** The department the importer would derive from the performers alone. */
function derivedDepartment(activity: ActivityDef, participants: ReadonlyMap<string, Participant>): string | undefined {
  for (const performer of activity.performers) {
    const participant = participants.get(performer);
    if (participant?.type === 'ORGANIZATIONAL_UNIT') return participant.department ?? participant.id;
  }
  return undefined;
}

function behaviourElement(
  activity: ActivityDef,
  scope: ActivityWriterScope,
  where: string,
  take: (name: string) => string | undefined,
): XmlElement {
  const implementation = (...content: XmlElement[]): XmlElement => el(x('Implementation'), {}, ...content);
  switch (activity.kind) {
    case 'start':
      return el(x('Event'), {}, startEvent(activity, take));
    case 'end':
      if (activity.signal !== undefined) {
        return el(x('Event'), {}, el(x('EndEvent'), { Result: 'Signal' }, signalElement('THROW', activity.signal)));
      }
      if (activity.error) {
        return el(x('Event'), {}, el(x('EndEvent'), { Result: 'Error' }, el(x('ResultError'), { ErrorCode: activity.error.code })));
      }
      return el(x('Event'), {}, el(x('EndEvent'), { Result: activity.terminate ? 'Terminate' : 'None' }));
    case 'manual':
      return implementation(el(x('No')));
    case 'route': {
      if (activity.signal !== undefined) {
        return el(x('Event'), {}, el(x('IntermediateEvent'), { Trigger: 'Signal' }, signalElement('THROW', activity.signal)));
      }
      const type = activity.split !== 'none' ? activity.split : activity.join;
      return el(x('Route'), { GatewayType: gatewayTypeName(type), ExclusiveType: activity.split === 'deferred' ? 'Event' : undefined });
    }
    case 'automatic': {
      const call = activity.application;
      if (!call) throw new XpdlExportError(where, 'an automatic activity must name its application');
      if (!scope.applications.has(call.id)) {
        throw new XpdlExportError(where, `calls application "${call.id}", which the process does not declare`);
      }
      if (activity.furtherApplications?.length) return implementation(...toolElements(activity, scope, where));
      if (isTaskScript(activity, scope.applications)) {
        const script = scope.applications.get(call.id)?.script ?? '';
        return implementation(el(x('Task'), {}, el(x('TaskScript'), {}, el(x('Script'), {}, script))));
      }
      return implementation(el(x('Task'), {}, el(x('TaskApplication'), { Id: call.id }, dataMappings(call.parameters))));
    }
    case 'timer': {
      const { duration, date } = activity.timer ?? {};
      if (!duration && !date) throw new XpdlExportError(where, 'a timer needs a duration or a date');
      return el(x('Event'), {}, el(x('IntermediateEvent'), { Trigger: 'Timer' }, timerElement(duration, date)));
    }
    case 'subprocess':
    case 'remote-subprocess': {
      const subprocess = activity.subprocess;
      if (!subprocess) throw new XpdlExportError(where, `a ${activity.kind} activity must name the process it calls`);
      const remote = activity.kind === 'remote-subprocess';
      if (remote && !subprocess.remoteRef) throw new XpdlExportError(where, 'a remote subprocess must name its remote factory (remoteRef)');
      return implementation(
        el(
          x('SubFlow'),
          { Id: scope.subFlowTarget(subprocess), Execution: subprocess.execution === 'async' ? 'ASYNCHR' : 'SYNCHR' },
          dataMappings(subprocess.parameters),
          // For other XPDL tools: where the called process lives. (The importer reads the proxy.)
          remote && el(x('EndPoint'), { EndPointType: 'Service' }, el(x('ExternalReference'), { location: subprocess.remoteRef })),
        ),
      );
    }
    case 'block': {
      if (!activity.block) throw new XpdlExportError(where, 'a block activity must name its activity set');
      return el(x('BlockActivity'), { ActivitySetId: activity.block.activitySetId, StartActivityId: activity.block.startActivityId });
    }
    case 'receive':
      if (activity.message?.startsWith(SIGNAL_EXCEPTION_PREFIX)) {
        const name = activity.message.slice(SIGNAL_EXCEPTION_PREFIX.length);
        return el(x('Event'), {}, el(x('IntermediateEvent'), { Trigger: 'Signal' }, signalElement('CATCH', name)));
      }
      return implementation(
        el(
          x('Task'),
          {},
          el(x('TaskReceive'), { Instantiate: 'false' }, el(x('Message'), { Id: `${activity.id}_message`, Name: activity.message ?? activity.id })),
        ),
      );
    default:
      throw new XpdlExportError(where, `activity kind "${String(activity.kind)}" has no XPDL form`);
  }
}

/**
 * Several applications called in order have no XPDL 2.x form but 1.0's several Tools, which the
 * 2.1 schema keeps (in the 1.0 namespace, as deprecated). Tools map parameters by position, so
 * each call must pass every formal parameter of its application, in order — as an imported Tool does.
 */
function toolElements(activity: ActivityDef, scope: ActivityWriterScope, where: string): XmlElement[] {
  const d = (name: string): string => `deprecated:${name}`;
  return [activity.application!, ...(activity.furtherApplications ?? [])].map((call) => {
    const app = scope.applications.get(call.id);
    if (!app) throw new XpdlExportError(where, `calls application "${call.id}", which the process does not declare`);
    const positional =
      call.parameters.length === app.formalParameters.length &&
      call.parameters.every((p, i) => p.formal === app.formalParameters[i].id && p.direction === app.formalParameters[i].mode);
    if (!positional) {
      throw new XpdlExportError(where, `calls several applications, and the call of "${call.id}" does not pass its formal parameters in order; XPDL's Tool maps them by position`);
    }
    return el(
      d('Tool'),
      { 'xmlns:deprecated': XPDL_NAMESPACES['1.0'], Id: call.id, Type: 'APPLICATION' },
      call.parameters.length > 0 && el(d('ActualParameters'), {}, call.parameters.map((p) => el(d('ActualParameter'), {}, p.actual))),
    );
  });
}

/** The schema requires at least one Properties child; an empty one says the signal carries none. */
function signalElement(catchThrow: 'CATCH' | 'THROW', name: string): XmlElement {
  return el(x('TriggerResultSignal'), { Name: name, CatchThrow: catchThrow }, el(x('Properties')));
}

function startEvent(activity: ActivityDef, take: (name: string) => string | undefined): XmlElement {
  const declared = take('Trigger');
  const trigger = declared !== undefined && START_TRIGGERS.has(declared) ? declared : 'None';
  const attributes = activity.extendedAttributes ?? {};
  let detail: XmlElement | undefined;
  if (trigger === 'Timer' && (attributes.TimeCycle || attributes.TimeDate)) {
    detail = timerElement(take('TimeCycle'), take('TimeDate'));
  } else if (trigger === 'Message' && attributes.Message) {
    detail = el(x('TriggerResultMessage'), {}, el(x('Message'), { Id: `${activity.id}_message`, Name: take('Message') }));
  } else if (trigger === 'Conditional' && attributes.Condition) {
    detail = el(x('TriggerConditional'), {}, el(x('Expression'), {}, take('Condition')));
  }
  return el(x('StartEvent'), { Trigger: trigger }, detail);
}

/** TriggerTimer holds one of TimeCycle/TimeDate as an element; a second one goes in the (deprecated) attribute. */
function timerElement(duration: string | undefined, date: string | undefined): XmlElement {
  if (duration) return el(x('TriggerTimer'), { TimeDate: date || undefined }, el(x('TimeCycle'), {}, duration));
  return el(x('TriggerTimer'), {}, el(x('TimeDate'), {}, date ?? ''));
}

function dataMappings(parameters: ReadonlyArray<{ formal: string; actual: string; direction: string }>): XmlElement | undefined {
  if (parameters.length === 0) return undefined;
  return el(
    x('DataMappings'),
    {},
    parameters.map((p) => el(x('DataMapping'), { Formal: p.formal, Direction: p.direction }, el(x('Actual'), {}, p.actual))),
  );
}

function transitionRestrictions(activity: ActivityDef, process: ProcessDefinition): XmlElement | undefined {
  if (activity.join === 'none' && activity.split === 'none') return undefined;
  // All outgoing transitions in array order: the importer evaluates a split in TransitionRefs order.
  const outgoing = process.transitions.filter((t) => t.from === activity.id);
  return el(
    x('TransitionRestrictions'),
    {},
    el(
      x('TransitionRestriction'),
      {},
      activity.join !== 'none' && el(x('Join'), { Type: gatewayTypeName(activity.join) }),
      activity.split !== 'none' &&
        el(
          x('Split'),
          { Type: gatewayTypeName(activity.split), ExclusiveType: activity.split === 'deferred' ? 'Event' : undefined },
          el(x('TransitionRefs'), {}, outgoing.map((t) => el(x('TransitionRef'), { Id: t.id }))),
        ),
    ),
  );
}

function loopElement(activity: ActivityDef, where: string): XmlElement | undefined {
  if (activity.loop && activity.multiInstance) {
    throw new XpdlExportError(where, 'XPDL has one Loop per activity: it cannot both loop and be multi-instance');
  }
  if (activity.loop) {
    const { condition, testBefore, maximum } = activity.loop;
    return el(
      x('Loop'),
      { LoopType: 'Standard' },
      el(
        x('LoopStandard'),
        { TestTime: testBefore ? 'Before' : 'After', LoopMaximum: maximum !== undefined ? String(maximum) : undefined },
        el(x('LoopCondition'), {}, condition),
      ),
    );
  }
  if (activity.multiInstance) {
    const { count, ordering, completionCondition } = activity.multiInstance;
    const flow = completionCondition === undefined ? 'All' : completionCondition === MI_FLOW_ONE ? 'One' : 'Complex';
    return el(
      x('Loop'),
      { LoopType: 'MultiInstance' },
      el(
        x('LoopMultiInstance'),
        { MI_Ordering: ordering === 'sequential' ? 'Sequential' : 'Parallel', MI_FlowCondition: flow },
        el(x('MI_Condition'), {}, count),
        flow === 'Complex' && el(x('ComplexMI_FlowCondition'), {}, completionCondition),
      ),
    );
  }
  return undefined;
}

export function extendedAttributesElement(entries: Array<[string, string]>): XmlElement | undefined {
  if (entries.length === 0) return undefined;
  return el(
    x('ExtendedAttributes'),
    {},
    // An empty value is written as an absent Value, as JaWE does, and reads back as ''.
    entries.map(([name, value]) => el(x('ExtendedAttribute'), { Name: name, Value: value === '' ? undefined : value })),
  );
}

/** The condition of a transition as XPDL writes it. */
export function conditionElement(kind: string, condition: string | undefined): XmlElement | undefined {
  switch (kind) {
    case 'condition':
      return el(x('Condition'), { Type: 'CONDITION' }, condition ?? '');
    case 'otherwise':
      return el(x('Condition'), { Type: 'OTHERWISE' });
    case 'exception':
      return condition === ANY_EXCEPTION || !condition
        ? el(x('Condition'), { Type: 'DEFAULTEXCEPTION' })
        : el(x('Condition'), { Type: 'EXCEPTION' }, condition);
    default:
      return undefined;
  }
}
