/**
 * BPMN events that are not steps of their own but change the graph around them, resolved before
 * the activities are mapped (docs/xpdl-mapping.md, "Boundary events" and "Link events"):
 *
 * - a boundary (attached) event — an IntermediateEvent with `Target` — becomes part of the activity
 *   it is attached to: a timer becomes a Deadline, an error or a message an exception handler; its
 *   outgoing transitions become EXCEPTION transitions of that activity;
 * - a pair of Link events (throw → catch of the same name) becomes a transition between them.
 *
 * The result is expressed in the engine's existing model (deadlines, exception transitions, routes),
 * so the export writes it back as Deadlines and EXCEPTION transitions and re-imports it unchanged.
 */
import type { DeadlineDef, TransitionDef } from '../engine';
import { activityLocation } from './xpdl-activity-mapper';
import { attr, attrOrElementText, child, text, type XNode } from './xpdl-document';
import { XpdlImportError } from './xpdl-import-error';
import { normaliseDuration } from './xpdl-values';
import { ERROR_EXCEPTION_PREFIX, MESSAGE_EXCEPTION_PREFIX, SIGNAL_EXCEPTION_PREFIX, signalName } from './xpdl-conventions';



/** What boundary events add to the activity they are attached to. */
export interface AttachedEvents {
  deadlines: DeadlineDef[];
}

export interface PreparedGraph {
  /** The activities that remain activities (boundary events removed). */
  activityNodes: XNode[];
  transitions: TransitionDef[];
  attached: Map<string, AttachedEvents>;
}

function intermediateOf(node: XNode): XNode | undefined {
  return child(child(node, 'Event'), 'IntermediateEvent');
}

/**
 * Resolves the boundary and Link events of one graph (the process's own, or one activity set's).
 * `transitions` are the graph's transitions, already mapped.
 */
export function prepareGraph(
  processId: string,
  activityNodes: XNode[],
  transitions: TransitionDef[],
  graphLabel: string,
  /** The package's scripts are JavaScript: a time that is not a duration is a JavaScript expression. */
  javascript = false,
): PreparedGraph {
  const attached = new Map<string, AttachedEvents>();
  const ownIds = new Set(activityNodes.map((n) => attr(n, 'Id') as string));
  const boundary = new Map<string, { target: string; exceptionName: string }>();

  for (const node of activityNodes) {
    const event = intermediateOf(node);
    const target = event ? attr(event, 'Target') : undefined;
    if (!event || target === undefined) continue;
    const id = attr(node, 'Id') as string;
    const refuse = (reason: string): never => {
      throw new XpdlImportError({ element: 'IntermediateEvent', elementId: id, location: activityLocation(processId, id), reason });
    };
    if (!ownIds.has(target)) refuse(`the boundary event is attached to "${target}", which is not an activity of ${graphLabel}`);
    const trigger = attr(event, 'Trigger') ?? 'None';
    const interrupting = !/^(false|0)$/i.test((attr(event, 'Interrupting') ?? attr(event, 'CancelActivity') ?? 'true').trim());
    const events = attached.get(target) ?? { deadlines: [] };
    attached.set(target, events);
    if (trigger === 'Timer') {
      const timer = child(event, 'TriggerTimer');
      // TIBCO Business Studio leaves TriggerTimer empty and puts the time in a Deadline of the event.
      const deadline = child(node, 'Deadline');
      const raw = (
        attrOrElementText(timer, 'TimeCycle') ||
        attrOrElementText(timer, 'TimeDate') ||
        text(child(deadline, 'DeadlineDuration')) ||
        text(child(deadline, 'DeadlineCondition')) ||
        ''
      ).trim();
      if (!raw) refuse(`the boundary timer gives no time (TriggerTimer TimeCycle or TimeDate, or a Deadline of the event); say how long "${target}" may take`);
      const duration = normaliseDuration(raw) ?? (javascript && !/^P[\dTYMWDHS.,]*$/.test(raw) ? raw : undefined);
      if (duration === undefined) {
        refuse(`the boundary timer's "${raw}" is not a duration; give TimeCycle as milliseconds or an ISO-8601 duration such as PT1H (a boundary timer runs from when "${target}" starts)`);
      }
      events.deadlines.push({ duration: duration as string, exceptionName: id, synchronous: interrupting });
      boundary.set(id, { target, exceptionName: id });
    } else if (trigger === 'Error') {
      if (!interrupting) refuse('a non-interrupting error event is not BPMN: an error always ends the activity');
      const code = attr(child(event, 'ResultError'), 'ErrorCode')?.trim();
      boundary.set(id, { target, exceptionName: `${ERROR_EXCEPTION_PREFIX}${code || '*'}` });
    } else if (trigger === 'Message') {
      if (!interrupting) {
        refuse('non-interrupting message boundary events are not supported; model the message as a parallel branch that waits for it (a receive task)');
      }
      const message = child(child(event, 'TriggerResultMessage'), 'Message');
      const name = (message && (attr(message, 'Name') || attr(message, 'Id'))) || attr(node, 'Name') || id;
      boundary.set(id, { target, exceptionName: `${MESSAGE_EXCEPTION_PREFIX}${name}` });
    } else if (trigger === 'Signal') {
      if (!interrupting) refuse('non-interrupting signal boundary events are not supported; model the signal as a parallel branch that waits for it');
      const name = signalName(event, node, id);
      boundary.set(id, { target, exceptionName: `${SIGNAL_EXCEPTION_PREFIX}${name}` });
    } else {
      refuse(
        `boundary events with Trigger "${trigger}" are not supported (a boundary event may be a Timer, an Error, a Message or a Signal); ` +
          (trigger === 'Compensation' || trigger === 'Cancel' ? 'Interflow has no compensation or transaction cancel: model the undo as activities on an exception transition' : 'attach a timer, error, message or signal event instead'),
      );
    }
  }

  // The event's outgoing flow leaves the activity it is attached to, as that activity's exception flow.
  const rewritten: TransitionDef[] = [];
  for (const t of transitions) {
    if (boundary.has(t.to)) {
      throw new XpdlImportError({
        element: 'Transition',
        elementId: t.id,
        location: `process "${processId}"`,
        problem: 'invalid',
        reason: `the transition leads to the boundary event "${t.to}"; a boundary event has no incoming flow`,
      });
    }
    const from = boundary.get(t.from);
    if (!from) {
      rewritten.push(t);
      continue;
    }
    if (t.kind === 'condition' || t.kind === 'otherwise' || t.kind === 'exception') {
      throw new XpdlImportError({
        element: 'Transition',
        elementId: t.id,
        location: `process "${processId}"`,
        problem: 'invalid',
        reason: `the flow out of boundary event "${t.from}" has a condition; a boundary event's flow is unconditional (put a gateway after it)`,
      });
    }
    const exception: TransitionDef = { id: t.id, from: from.target, to: t.to, kind: 'exception', condition: from.exceptionName };
    if (t.name) exception.name = t.name;
    if (t.activitySet) exception.activitySet = t.activitySet;
    rewritten.push(exception);
  }
  for (const [id, { target }] of boundary) {
    if (!rewritten.some((t) => t.from === target && t.kind === 'exception' && t.condition === boundary.get(id)!.exceptionName)) {
      throw new XpdlImportError({
        element: 'IntermediateEvent',
        elementId: id,
        location: activityLocation(processId, id),
        reason: `the boundary event on "${target}" has no outgoing transition; give it the flow to follow when it fires`,
      });
    }
  }

  const links = linkTransitions(processId, activityNodes, graphLabel);
  return { activityNodes: activityNodes.filter((n) => !boundary.has(attr(n, 'Id') as string)), transitions: [...rewritten, ...links], attached };
}

/** The suffix of the transition a Link throw event continues by. */
export const LINK_TRANSITION_SUFFIX = '__link';

/**
 * Link events continue a flow elsewhere in the same graph: each throwing Link gets a transition to
 * the catching Link of the same name. A throw with no catch, a catch nobody throws to, or two
 * catches of one name are refused by name.
 */
function linkTransitions(processId: string, activityNodes: XNode[], graphLabel: string): TransitionDef[] {
  const throws: Array<{ id: string; name: string }> = [];
  const catches = new Map<string, string>();
  for (const node of activityNodes) {
    const event = intermediateOf(node);
    if (!event || attr(event, 'Trigger') !== 'Link' || attr(event, 'Target') !== undefined) continue;
    const id = attr(node, 'Id') as string;
    const link = child(event, 'TriggerResultLink');
    // XPDL 2.0 tools write LinkId instead of Name; the event's own Name is the last resort.
    const name = attr(link, 'Name') || attr(link, 'LinkId') || attr(node, 'Name') || '';
    const refuse = (reason: string): never => {
      throw new XpdlImportError({ element: 'IntermediateEvent', elementId: id, location: activityLocation(processId, id), reason });
    };
    if (!name) refuse('the Link event has no name (TriggerResultLink Name, or the event Name); a throw and its catch are paired by name');
    if ((attr(link, 'CatchThrow') ?? 'CATCH') === 'THROW') throws.push({ id, name });
    else {
      if (catches.has(name)) refuse(`two catching Link events are named "${name}" in ${graphLabel} ("${catches.get(name)}" and "${id}"); a throw must have exactly one place to continue`);
      catches.set(name, id);
    }
  }
  const thrown = new Set(throws.map((t) => t.name));
  for (const [name, id] of catches) {
    if (!thrown.has(name)) {
      throw new XpdlImportError({
        element: 'IntermediateEvent',
        elementId: id,
        location: activityLocation(processId, id),
        reason: `no throwing Link event named "${name}" in ${graphLabel} leads here; add one, or remove this catch`,
      });
    }
  }
  return throws.map(({ id, name }) => {
    const to = catches.get(name);
    if (!to) {
      throw new XpdlImportError({
        element: 'IntermediateEvent',
        elementId: id,
        location: activityLocation(processId, id),
        reason: `no catching Link event named "${name}" in ${graphLabel}; a Link continues only inside the same process (or block)`,
      });
    }
    return { id: `${id}${LINK_TRANSITION_SUFFIX}`, from: id, to, kind: 'normal' as const, name };
  });
}
