/**
 * XPDL Activity → ActivityDef. XPDL 1.0 (Tool, Route, SubFlow) and 2.x (Task elements, Event,
 * Loop) are read by the same code, because real files mix them (JaWE writes 2.1 with 1.0 habits).
 * Anything with execution meaning that the engine cannot honour is refused with an
 * XpdlImportError naming the activity, never dropped.
 */
import { isSafeScript } from '../engine';
import type {
  ActivityDef,
  ActivityKind,
  ApplicationDef,
  DataField,
  DeadlineDef,
  JoinType,
  LoopDef,
  MultiInstanceDef,
  Participant,
  SplitType,
  TransitionDef,
} from '../engine';
import { attr, attrOrElementText, child, children, extendedAttributeList, hasChild, text, type XNode } from './xpdl-document';
import { applicationCall, subFlowCall } from './xpdl-call-mapper';
import { MI_FLOW_ONE, SCRIPT_APPLICATION_SUFFIX, SIGNAL_EXCEPTION_PREFIX, signalName } from './xpdl-conventions';
import { XpdlImportError } from './xpdl-import-error';
import { gatewayKind, isXpdlTrue, normaliseDuration, type GatewayKind } from './xpdl-values';
import type { ActivityScope, Refuse } from './xpdl-scope';

export type { ActivityScope, ProcessProxy, Refuse } from './xpdl-scope';

/** JaWE's old way of storing graphics; no execution meaning. */
const GRAPHICS_ATTRIBUTES = new Set(['XOffset', 'YOffset']);

export function activityLocation(processId: string, activityId: string): string {
  return `Activity "${activityId}" (process "${processId}")`;
}

/** What an activity's Route/Implementation/Event says it does, before flow and extras. */
interface Behaviour {
  kind: ActivityKind;
  application?: ActivityDef['application'];
  subprocess?: ActivityDef['subprocess'];
  timer?: ActivityDef['timer'];
  message?: string;
  terminate?: boolean;
  /** Performers named inside TaskUser/TaskManual. */
  performers?: string[];
  /** Facts kept as extended attributes (start trigger, …). */
  attributes?: Record<string, string>;
  /** Extended attributes this behaviour has used up (e.g. ParamMapping). */
  consumed?: string[];
  gateway?: { kind?: GatewayKind; deferred: boolean };
  block?: ActivityDef['block'];
  error?: ActivityDef['error'];
  signal?: string;
  furtherApplications?: ActivityDef['furtherApplications'];
}

export function mapActivity(node: XNode, scope: ActivityScope): ActivityDef {
  const id = attr(node, 'Id') as string;
  const where = activityLocation(scope.processId, id);
  const refuse: Refuse = (element, reason) => {
    throw new XpdlImportError({ element, elementId: id, location: where, reason });
  };

  refuseUnsupportedParts(node, refuse);

  const attributeList = extendedAttributeList(node).filter((ea) => ea.name !== '');
  const behaviour = mapBehaviour(node, id, scope, attributeList, refuse);

  const activity: ActivityDef = {
    id,
    kind: behaviour.kind,
    join: 'none',
    split: 'none',
    performers: [],
    fireRule: 'last',
  };
  const name = attr(node, 'Name');
  if (name) activity.name = name;
  const description = text(child(node, 'Description'));
  if (description) activity.description = description;

  // Performers: 2.x Performers/Performer, 1.0 (and deprecated 2.x) Activity/Performer, and the
  // Performers a TaskUser/TaskManual may carry.
  const performers = [
    ...children(child(node, 'Performers'), 'Performer'),
    ...children(node, 'Performer'),
  ].map(text).filter((p) => p !== '');
  performers.push(...(behaviour.performers ?? []));
  activity.performers = [...new Set(performers)];

  if (behaviour.application) activity.application = behaviour.application;
  if (behaviour.subprocess) activity.subprocess = behaviour.subprocess;
  if (behaviour.timer) activity.timer = behaviour.timer;
  if (behaviour.message !== undefined) activity.message = behaviour.message;
  if (behaviour.terminate) activity.terminate = true;
  if (behaviour.block) activity.block = behaviour.block;
  if (behaviour.error) activity.error = behaviour.error;
  if (behaviour.signal !== undefined) activity.signal = behaviour.signal;
  if (behaviour.furtherApplications?.length) activity.furtherApplications = behaviour.furtherApplications;

  // Extended attributes: some become fields, graphics go, the rest are kept as vendor data.
  const updates: string[] = [];
  const views: string[] = [];
  const required: string[] = [];
  const extended: Record<string, string> = {};
  let department: string | undefined;
  let fireRule: string | undefined;
  for (const { name: eaName, value } of attributeList) {
    if (eaName === 'VariableToProcess_UPDATE') updates.push(value);
    else if (eaName === 'VariableToProcess_VIEW') views.push(value);
    else if (eaName === 'Required') required.push(value);
    else if (eaName === 'Department') department = value || undefined;
    else if (eaName === 'FireRule') fireRule = value;
    else if (!GRAPHICS_ATTRIBUTES.has(eaName) && !(behaviour.consumed ?? []).includes(eaName)) extended[eaName] = value;
  }
  if (updates.length) activity.updates = updates;
  if (views.length) activity.views = views;
  if (required.length) activity.required = required;

  // Start/finish modes (1.0 elements, 2.x attributes) have no engine field yet: the engine starts
  // and finishes an activity according to its kind. They are kept so that nothing is lost on the
  // way back to XPDL (docs/xpdl-mapping.md notes the gap).
  for (const mode of ['StartMode', 'FinishMode'] as const) {
    const element = child(node, mode);
    const value = element ? (hasChild(element, 'Automatic') ? 'Automatic' : hasChild(element, 'Manual') ? 'Manual' : undefined) : attr(node, mode);
    if (value !== undefined && extended[mode] === undefined) extended[mode] = value;
  }
  const priority = text(child(node, 'Priority'));
  if (priority && extended.Priority === undefined) extended.Priority = priority;
  if (isXpdlTrue(attr(node, 'StartActivity')) && extended.StartActivity === undefined) extended.StartActivity = 'true';
  Object.assign(extended, behaviour.attributes ?? {});
  if (Object.keys(extended).length) activity.extendedAttributes = extended;

  // Department: an ORGANIZATIONAL_UNIT performer routes the activity to that department's engine.
  if (department === undefined) {
    for (const performer of activity.performers) {
      const participant = scope.participants.get(performer);
      if (participant?.type === 'ORGANIZATIONAL_UNIT') {
        department = participant.department ?? participant.id;
        break;
      }
    }
  }
  if (department !== undefined) activity.department = department;

  if (fireRule !== undefined) {
    if (fireRule !== 'first' && fireRule !== 'last') {
      refuse('ExtendedAttribute', `FireRule "${fireRule}" is not supported; use "first" (the first performer to complete finishes the activity) or "last"`);
    }
    activity.fireRule = fireRule as 'first' | 'last';
  }

  const deadlines = children(node, 'Deadline').map((d) => mapDeadline(d, refuse, scope.javascript));
  if (deadlines.length) activity.deadlines = deadlines;

  const loop = child(node, 'Loop');
  const repetition = loop ? mapLoop(loop, refuse) : undefined;
  if (repetition && 'count' in repetition) activity.multiInstance = repetition;
  else if (repetition) activity.loop = repetition;

  const flow = mapJoinSplit(node, id, behaviour, scope, refuse);
  activity.join = flow.join;
  activity.split = flow.split;
  return activity;
}

function refuseUnsupportedParts(node: XNode, refuse: Refuse): void {
  if (hasChild(node, 'Transaction') || isXpdlTrue(attr(node, 'IsATransaction'))) {
    refuse('Transaction', 'transactional subprocesses (BPMN cancel/compensate) are not supported; model the rollback as explicit activities on an exception transition');
  }
  if (isXpdlTrue(attr(node, 'IsForCompensation'))) {
    refuse('Activity', 'compensation activities are not supported; model the compensation as explicit activities on an exception transition');
  }
  if (children(child(node, 'Assignments'), 'Assignment').length) {
    refuse('Assignments', 'activity assignments are not supported; compute the values in a TaskScript activity instead');
  }
  if (hasChild(node, 'IORules')) {
    refuse('IORules', 'input/output rules are not enforced by Interflow; check the data with an XOR split and an exception path instead');
  }
  if (children(child(node, 'DataFields'), 'DataField').length) {
    refuse('DataFields', 'activity-local data fields are not supported; declare the fields on the WorkflowProcess');
  }
}

function mapBehaviour(
  node: XNode,
  id: string,
  scope: ActivityScope,
  attributes: Array<{ name: string; value: string }>,
  refuse: Refuse,
): Behaviour {
  const route = child(node, 'Route');
  if (route) return mapRoute(route, refuse);

  const blockActivity = child(node, 'BlockActivity');
  if (blockActivity) {
    const activitySetId = attr(blockActivity, 'ActivitySetId') ?? attr(blockActivity, 'BlockId');
    if (!activitySetId) return refuse('BlockActivity', 'the block names no ActivitySetId');
    if (!scope.activitySets.has(activitySetId)) return refuse('BlockActivity', `the block runs activity set "${activitySetId}", which the process does not declare under ActivitySets`);
    const startActivityId = attr(blockActivity, 'StartActivityId');
    return { kind: 'block', block: { activitySetId, ...(startActivityId ? { startActivityId } : {}) } };
  }

  const event = child(node, 'Event');
  if (event) return mapEvent(event, node, id, scope, refuse);

  const implementation = child(node, 'Implementation');
  if (!implementation) {
    // XPDL 2.x allows an activity with no implementation at all: an abstract task, which a
    // person has to do.
    return { kind: 'manual' };
  }
  if (hasChild(implementation, 'No')) return { kind: 'manual' };

  // XPDL 1.0: several Tools in one activity are called in order.
  const tools = children(implementation, 'Tool').map((tool) => applicationCall(tool, 'Tool', scope, refuse));
  if (tools.length > 0) {
    return { kind: 'automatic', application: tools[0], ...(tools.length > 1 ? { furtherApplications: tools.slice(1) } : {}) };
  }

  const task = child(implementation, 'Task');
  if (task) return mapTask(task, id, scope, refuse);

  const subFlow = child(implementation, 'SubFlow');
  if (subFlow) return subFlowCall(subFlow, scope, attributes, refuse);

  if (hasChild(implementation, 'Reference')) {
    refuse('Reference', 'references to task definitions elsewhere are not supported yet; copy the referenced activity here');
  }
  return { kind: 'manual' };
}

/**
 * Why a complex join (a discriminator, an N-out-of-M join) is refused, and what to model instead.
 * An OR-join cannot express it: it waits for every branch still alive.
 */
const COMPLEX_JOIN =
  'Type Complex is not supported: Interflow has no discriminator or N-out-of-M join (continue on the Nth arrival, ignore the rest), and an Inclusive (OR) join, which waits for every live branch, cannot express one. ' +
  'Instead: for "the first branch to finish wins, the others are withdrawn", make the branches a deferred choice (Split Type Exclusive with ExclusiveType Event); ' +
  'for "continue when N of M performances of one task are done", use one multi-instance activity (LoopMultiInstance MI_FlowCondition Complex, ComplexMI_FlowCondition nrOfCompletedInstances >= N); ' +
  'when every branch must finish, use a Parallel (AND) join';

function mapRoute(route: XNode, refuse: Refuse): Behaviour {
  const gatewayType = attr(route, 'GatewayType');
  const kind = gatewayKind(gatewayType);
  if (kind === 'complex') {
    refuse('Route', `GatewayType Complex is not supported; express the rule as conditions on an Inclusive (OR) gateway where it splits. ${COMPLEX_JOIN}`);
  }
  if (gatewayType !== undefined && kind === undefined) {
    refuse('Route', `GatewayType "${gatewayType}" is not an XPDL gateway type`);
  }
  const deferred =
    attr(route, 'ExclusiveType') === 'Event' || attr(route, 'XORType') === 'Event' || isXpdlTrue(attr(route, 'Instantiate'));
  return kind !== undefined ? { kind: 'route', gateway: { kind, deferred } } : { kind: 'route', gateway: { deferred } };
}

function mapEvent(event: XNode, node: XNode, id: string, scope: ActivityScope, refuse: Refuse): Behaviour {
  const start = child(event, 'StartEvent');
  if (start) {
    const trigger = attr(start, 'Trigger') ?? 'None';
    // A start event's trigger decides how instances begin (a person, a timer, a message); the
    // engine has no field for it yet, so it travels as extended attributes.
    const attributes: Record<string, string> = { Trigger: trigger };
    const timer = child(start, 'TriggerTimer');
    if (timer) {
      const cycle = attrOrElementText(timer, 'TimeCycle');
      const date = attrOrElementText(timer, 'TimeDate');
      if (cycle) attributes.TimeCycle = cycle;
      if (date) attributes.TimeDate = date;
    }
    const message = messageName(child(start, 'TriggerResultMessage'));
    if (message) attributes.Message = message;
    const conditional = child(start, 'TriggerConditional');
    const condition = conditional ? text(child(conditional, 'Expression')) || attr(conditional, 'ConditionName') : undefined;
    if (condition) attributes.Condition = condition;
    return { kind: 'start', attributes };
  }

  const end = child(event, 'EndEvent');
  if (end) {
    const result = attr(end, 'Result') ?? 'None';
    if (result === 'None') return { kind: 'end' };
    if (result === 'Terminate') return { kind: 'end', terminate: true };
    if (result === 'Error') {
      // Caught by a boundary error event of an enclosing block; uncaught, it ends the case aborted.
      const code = attr(child(end, 'ResultError'), 'ErrorCode')?.trim();
      return { kind: 'end', error: code ? { code } : {} };
    }
    if (result === 'Signal') {
      // Thrown inside the case: activities that catch it are interrupted (docs/execution.md, "Signals").
      return { kind: 'end', signal: signalName(end, node, id) };
    }
    const why: Record<string, string> = {
      Compensation: 'Interflow has no compensation (undoing completed activities); model the undo as activities on an exception transition',
      Multiple: 'an end event with several results would send messages or signals, which Interflow does not send from end events; end with None, and send from an automatic activity before it',
      Cancel: 'Interflow has no transactions to cancel; model the rollback as activities on an exception transition',
    };
    return refuse('EndEvent', `Result "${result}" is not supported: ${why[result] ?? 'end with Result None, Terminate, Error or Signal, and send messages from an automatic activity before the end'}`);
  }

  const intermediate = child(event, 'IntermediateEvent');
  if (intermediate) {
    if (attr(intermediate, 'Target') !== undefined) {
      refuse('IntermediateEvent', `attached (boundary) events are not supported (this one is attached to "${attr(intermediate, 'Target')}"); attach a Deadline to that activity instead and leave it by an EXCEPTION transition`);
    }
    const trigger = attr(intermediate, 'Trigger');
    if (trigger === 'Timer') {
      const timerNode = child(intermediate, 'TriggerTimer');
      const duration = attrOrElementText(timerNode, 'TimeCycle');
      const date = attrOrElementText(timerNode, 'TimeDate');
      if (!duration && !date) {
        refuse('IntermediateEvent', 'a Timer event needs TriggerTimer with a TimeCycle (duration) or TimeDate');
      }
      const timer: NonNullable<ActivityDef['timer']> = {};
      if (duration) timer.duration = duration;
      if (date) timer.date = date;
      return { kind: 'timer', timer };
    }
    if (trigger === 'Signal') {
      const name = signalName(intermediate, node, id);
      const throwing = (attr(child(intermediate, 'TriggerResultSignal'), 'CatchThrow') ?? 'CATCH') === 'THROW';
      // A throw passes the token on after interrupting the catchers; a catch waits for a throw.
      return throwing ? { kind: 'route', signal: name, gateway: { deferred: false } } : { kind: 'receive', message: `${SIGNAL_EXCEPTION_PREFIX}${name}` };
    }
    if (trigger === 'Link') {
      // Paired by name into a transition (xpdl-graph-mapper.ts); the events themselves only pass the token on.
      return { kind: 'route', gateway: { deferred: false } };
    }
    if (trigger === 'Message') {
      const triggerNode = child(intermediate, 'TriggerResultMessage');
      if (attr(triggerNode, 'CatchThrow') === 'THROW') {
        refuse('IntermediateEvent', 'throwing message events are not supported yet; send the message from an automatic activity whose application does it');
      }
      return { kind: 'receive', message: awaitedMessage(triggerNode, id, scope) };
    }
    return refuse('IntermediateEvent', `Trigger "${trigger ?? '(none)'}" is not supported; intermediate events may wait for a Timer or a Message, or be Links`);
  }
  return refuse('Event', 'the event is neither a StartEvent, an IntermediateEvent nor an EndEvent');
}

function messageName(container: XNode | undefined): string | undefined {
  const message = child(container, 'Message');
  if (!message) return undefined;
  return attr(message, 'Name') || attr(message, 'Id') || undefined;
}

/** The message a receive waits for; XPDL lets it go unnamed, the engine correlates by name. */
function awaitedMessage(container: XNode | undefined, id: string, scope: ActivityScope): string {
  const message = messageName(container);
  if (message) return message;
  scope.warnings.push(`Activity "${id}" (process "${scope.processId}") waits for a message without naming it; it will wait for the message "${id}"`);
  return id;
}

function mapTask(task: XNode, id: string, scope: ActivityScope, refuse: Refuse): Behaviour {
  const application = child(task, 'TaskApplication');
  if (application) return { kind: 'automatic', application: applicationCall(application, 'TaskApplication', scope, refuse) };

  const script = child(task, 'TaskScript');
  if (script) {
    const source = text(child(script, 'Script'));
    if (!source || !(scope.javascript || isSafeScript(source))) {
      refuse('TaskScript', 'the script is not in Interflow\'s statement language (`field = expression;`, `if (…) { … }`); rewrite it so, or call an Application whose handler is registered');
    }
    const app: ApplicationDef = { id: `${id}${SCRIPT_APPLICATION_SUFFIX}`, formalParameters: [], script: source };
    scope.synthesised.push(app);
    return { kind: 'automatic', application: { id: app.id, parameters: [] } };
  }

  for (const human of ['TaskUser', 'TaskManual']) {
    const element = child(task, human);
    if (element) {
      return { kind: 'manual', performers: children(child(element, 'Performers'), 'Performer').map(text).filter((p) => p !== '') };
    }
  }

  const receive = child(task, 'TaskReceive');
  if (receive) {
    if (isXpdlTrue(attr(receive, 'Instantiate'))) {
      refuse('TaskReceive', 'a receive task that instantiates the process is not supported; use a StartEvent with Trigger Message');
    }
    return { kind: 'receive', message: awaitedMessage(receive, id, scope) };
  }

  const notYet: Record<string, string> = {
    TaskService: 'service tasks are not supported yet; declare the web service as an Application (Type/WebService) and call it with TaskApplication',
    TaskSend: 'send tasks are not supported yet; send the message from an automatic activity whose application does it',
    TaskReference: 'task references are not supported yet; copy the referenced activity here',
  };
  for (const [element, reason] of Object.entries(notYet)) {
    if (hasChild(task, element)) refuse(element, reason);
  }
  // An untyped Task is a task somebody has to do.
  return { kind: 'manual' };
}

function mapDeadline(deadline: XNode, refuse: Refuse, javascript = false): DeadlineDef {
  // 2.x DeadlineDuration, 1.0 DeadlineCondition.
  const raw = text(child(deadline, 'DeadlineDuration')) || text(child(deadline, 'DeadlineCondition'));
  // In a JavaScript package a deadline the importer cannot read is JavaScript, run when the
  // activity starts: a number (milliseconds), an ISO-8601 duration, or a Date (when it is due).
  const duration = normaliseDuration(raw) ?? (javascript && raw.trim() && !/^P[\dTYMWDHS.,]*$/.test(raw.trim()) ? raw.trim() : undefined);
  if (duration === undefined) {
    const shown = raw.length > 80 ? `${raw.slice(0, 77)}...` : raw;
    refuse('Deadline', `cannot read the duration "${shown.replace(/\s+/g, ' ')}"; give the duration as milliseconds or an ISO-8601 duration such as PT1H (weeks, days, hours, minutes, seconds)`);
  }
  return {
    duration: duration as string,
    exceptionName: text(child(deadline, 'ExceptionName')),
    synchronous: attr(deadline, 'Execution') !== 'ASYNCHR',
  };
}

function mapLoop(loop: XNode, refuse: Refuse): LoopDef | MultiInstanceDef | undefined {
  const standard = child(loop, 'LoopStandard');
  const multi = child(loop, 'LoopMultiInstance');
  const loopType = attr(loop, 'LoopType') ?? (multi ? 'MultiInstance' : 'Standard');
  // Bizagi writes `<Loop LoopType="None"/>` on every task: the task does not repeat.
  if (loopType === 'None') return undefined;

  if (loopType === 'Standard') {
    const condition = attrOrElementText(standard, 'LoopCondition');
    if (!condition) refuse('LoopStandard', 'a standard loop needs a LoopCondition (the expression that keeps it repeating)');
    const result: LoopDef = { condition: condition as string, testBefore: attr(standard, 'TestTime') === 'Before' };
    const maximum = attr(standard, 'LoopMaximum');
    if (maximum !== undefined) {
      if (!/^\d+$/.test(maximum.trim())) refuse('LoopStandard', `LoopMaximum "${maximum}" is not a whole number`);
      result.maximum = Number(maximum.trim());
    }
    return result;
  }

  if (loopType === 'MultiInstance') {
    const count = attrOrElementText(multi, 'MI_Condition');
    if (!count) refuse('LoopMultiInstance', 'a multi-instance activity needs an MI_Condition (the number of instances)');
    const ordering = (attr(multi, 'MI_Ordering') ?? 'Parallel').toLowerCase();
    if (ordering !== 'parallel' && ordering !== 'sequential') {
      refuse('LoopMultiInstance', `MI_Ordering "${attr(multi, 'MI_Ordering')}" is neither Parallel nor Sequential`);
    }
    const result: MultiInstanceDef = { count: count as string, ordering: ordering as 'parallel' | 'sequential' };
    const flow = attr(multi, 'MI_FlowCondition') ?? 'All';
    if (flow === 'One') result.completionCondition = MI_FLOW_ONE;
    else if (flow === 'Complex') {
      const complex = attrOrElementText(multi, 'ComplexMI_FlowCondition');
      if (!complex) refuse('LoopMultiInstance', 'MI_FlowCondition Complex needs a ComplexMI_FlowCondition expression');
      result.completionCondition = complex;
    } else if (flow === 'None') {
      refuse('LoopMultiInstance', 'MI_FlowCondition None (every instance continues the flow on its own) is not supported; use All, One, or Complex with a ComplexMI_FlowCondition');
    } else if (flow !== 'All') {
      refuse('LoopMultiInstance', `MI_FlowCondition "${flow}" is not one of None, One, All, Complex`);
    }
    return result;
  }
  return refuse('Loop', `LoopType "${loopType}" is not one of None, Standard, MultiInstance`);
}

/**
 * Join and split. Explicit TransitionRestrictions win; a gateway's GatewayType applies where it
 * actually joins or splits (more than one incoming / outgoing transition); otherwise XPDL 1.0
 * engines' implicit rules apply: several unconditioned outgoing transitions run in parallel,
 * conditioned ones are an inclusive choice, and several incoming transitions are an XOR join.
 */
function mapJoinSplit(
  node: XNode,
  id: string,
  behaviour: Behaviour,
  scope: ActivityScope,
  refuse: Refuse,
): { join: JoinType; split: SplitType } {
  const restrictions = children(child(node, 'TransitionRestrictions'), 'TransitionRestriction');
  const joinNode = restrictions.map((r) => child(r, 'Join')).find((j) => j !== undefined);
  const splitNode = restrictions.map((r) => child(r, 'Split')).find((s) => s !== undefined);

  const explicit = (element: 'Join' | 'Split', restriction: XNode | undefined): GatewayKind | undefined => {
    if (!restriction) return undefined;
    const type = attr(restriction, 'Type');
    if (type === undefined) return undefined;
    const kind = gatewayKind(type);
    if (kind === 'complex') {
      refuse(element, element === 'Join' ? COMPLEX_JOIN : `Type Complex is not supported; express the rule as conditions on an Inclusive (OR) split`);
    }
    if (kind === undefined) refuse(element, `Type "${type}" is not an XPDL ${element.toLowerCase()} type`);
    return kind;
  };

  const incoming = scope.incoming.get(id) ?? [];
  const outgoing = (scope.outgoing.get(id) ?? []).filter((t) => t.kind !== 'exception');
  const gateway = behaviour.gateway?.kind;

  let join: JoinType = 'none';
  const explicitJoin = explicit('Join', joinNode);
  if (explicitJoin) join = explicitJoin as JoinType;
  else if (incoming.length > 1) join = gateway && gateway !== 'complex' ? gateway : 'xor';

  let split: SplitType = 'none';
  const explicitSplit = explicit('Split', splitNode);
  if (explicitSplit) split = explicitSplit as SplitType;
  else if (outgoing.length > 1) {
    if (gateway && gateway !== 'complex') split = gateway;
    else split = outgoing.some((t) => t.kind === 'condition' || t.kind === 'otherwise') ? 'or' : 'and';
  }

  if (split === 'and' && outgoing.some((t) => t.kind === 'condition' || t.kind === 'otherwise')) {
    // XPDL 1.0's multi-choice: an AND split takes every transition whose condition holds (Shark
    // runs it so); the engine's name for that is an inclusive (OR) split.
    split = 'or';
    scope.warnings.push(
      `Activity "${id}" (process "${scope.processId}") is an AND split whose transitions have conditions: it runs as XPDL 1.0's multi-choice, taking every transition whose condition holds (an OR split)`,
    );
  }
  const deferred = behaviour.gateway?.deferred === true || attr(splitNode, 'ExclusiveType') === 'Event';
  if (split === 'xor' && deferred) split = 'deferred';
  return { join, split };
}

/** The TransitionRefs order of a split (XPDL: the order XOR conditions are evaluated in). */
export function splitTransitionOrder(node: XNode): string[] {
  const restrictions = children(child(node, 'TransitionRestrictions'), 'TransitionRestriction');
  const split = restrictions.map((r) => child(r, 'Split')).find((s) => s !== undefined);
  return children(child(split, 'TransitionRefs'), 'TransitionRef')
    .map((ref) => attr(ref, 'Id'))
    .filter((ref): ref is string => ref !== undefined);
}
