import { ALL_INSTANCE_STATES, type HistoryRecord, type InstanceState, type InstanceView, type WorkflowEngine } from '../../engine';
import type { SoapContext } from '../soap';
import { escapeXml } from '../soap';
import { asapFault, AsapErrorCodes } from './asap-fault';
import { contextFields, dataChildren, readDataElement, resultFields } from './context-data';
import { factoryKey, instanceKey, keyPath, parseUrl } from './keys';
import { ASAP_NS, asap } from './namespaces';
import { allow, wfxmlOperation, type ResourceBinding } from './wfxml-operation';
import { caseLogger } from '../../monitoring';

function instanceIdOf(ctx: SoapContext): string {
  return ctx.pathParams.instanceId;
}

const instance: ResourceBinding = {
  keyOf: (ctx) => instanceKey(ctx.baseUrl, instanceIdOf(ctx)),
};

/** The Wf-XML Instance resource of each process instance, at /wfxml/instance/{instanceId}. */
export function instanceOperations(engine: WorkflowEngine) {
  const properties = async (ctx: SoapContext, key: string, element: 'GetPropertiesRs' | 'SetPropertiesRs', view?: InstanceView) => {
    const v = view ?? (await engine.getInstance(instanceIdOf(ctx)));
    const def = (await engine.getDefinition(v.processId, v.version)).definition;
    const history = await engine.history(v.id);
    return instanceProperties({ element, key, factory: factoryKey(ctx.baseUrl, v.processId), view: v, name: def.name ?? def.id, def, history });
  };

  return {
    [asap('GetPropertiesRq')]: wfxmlOperation('GetPropertiesRq', instance, async ({ ctx, key }) => properties(ctx, key, 'GetPropertiesRs')),

    [asap('SetPropertiesRq')]: wfxmlOperation('SetPropertiesRq', instance, async (call) => {
      const { ctx, key, body, actor } = call;
      allow(call, { kind: 'administer', operation: 'SetProperties' });
      const id = instanceIdOf(ctx);
      let view = await engine.getInstance(id);
      const def = (await engine.getDefinition(view.processId, view.version)).definition;
      // The engine has no instance name, description or priority, and fixes the subject at
      // creation; a request to change them is refused rather than silently dropped.
      const refuse = (field: string, why: string) => {
        throw asapFault('Client', AsapErrorCodes.unsupported, `SetPropertiesRq/${field}: ${why}; only ContextData can be changed`, 'UNSUPPORTED');
      };
      const name = body.optionalString('Name')?.trim();
      if (name && name !== (def.name ?? def.id)) refuse('Name', `the name is the process's ("${def.name ?? def.id}") and cannot change`);
      // Compared as written: the subject is the caller's text, and GetProperties returns it so.
      const subject = body.optionalString('Subject');
      if (subject !== undefined && subject.trim() !== '' && subject !== (view.subject ?? '')) refuse('Subject', 'the subject is set when the instance is created and cannot change');
      if (body.optionalString('Description')?.trim()) refuse('Description', 'Interflow keeps no instance description');
      if (body.has('Priority')) refuse('Priority', 'Interflow instances have no priority');
      const data = readDataElement(body.optionalChild('ContextData')?.raw, 'SetPropertiesRq/ContextData');
      if (Object.keys(data).length) view = await engine.updateData(id, data, actor);
      return properties(ctx, key, 'SetPropertiesRs', view);
    }),

    [asap('ChangeStateRq')]: wfxmlOperation('ChangeStateRq', instance, async (call) => {
      const { ctx, body, actor } = call;
      allow(call, { kind: 'administer', operation: 'ChangeState' });
      const requested = body.enumeration('State', ALL_INSTANCE_STATES);
      const id = instanceIdOf(ctx);
      let view = await engine.getInstance(id);
      // Asking for the state it is already in succeeds: a sender retrying after a lost reply
      // must not get a fault for a change that happened.
      if (view.state !== requested) view = await engine.changeState(id, requested, actor);
      caseLogger(ctx.log, id).info({ requested, state: view.state }, 'instance state changed through Wf-XML ChangeState');
      return `<as:ChangeStateRs xmlns:as="${ASAP_NS}"><as:State>${view.state}</as:State></as:ChangeStateRs>`;
    }),

    [asap('SubscribeRq')]: wfxmlOperation('SubscribeRq', instance, async ({ ctx, body }) => {
      const key = observerKeyOf(body.string('ObserverKey'), 'SubscribeRq');
      const view = await engine.getInstance(instanceIdOf(ctx));
      const observer = wfxmlObserver(view);
      if (observer !== undefined && sameKey(observer, key)) return `<as:SubscribeRs xmlns:as="${ASAP_NS}"/>`;
      throw asapFault(
        'Client',
        AsapErrorCodes.unsupported,
        view.homeDepartment !== undefined
          ? `This instance performs an activity of department ${view.homeDepartment}'s case ${view.homeInstanceId ?? ''}; its result goes back to that department by transfer, and it takes no Wf-XML observer`
          : observer === undefined
            ? `Interflow takes an instance's observer from CreateInstanceRq/ObserverKey and cannot add one later; create the instance with ObserverKey ${key}`
            : `This instance already reports to observer ${observer}; Interflow keeps one observer per instance`,
        'UNSUPPORTED',
      );
    }),

    [asap('UnsubscribeRq')]: wfxmlOperation('UnsubscribeRq', instance, async ({ ctx, body }) => {
      const key = observerKeyOf(body.string('ObserverKey'), 'UnsubscribeRq');
      const view = await engine.getInstance(instanceIdOf(ctx));
      const observer = wfxmlObserver(view);
      // Removing an observer that is not subscribed leaves the state the sender wants.
      if (observer === undefined || !sameKey(observer, key)) return `<as:UnsubscribeRs xmlns:as="${ASAP_NS}"/>`;
      throw asapFault('Client', AsapErrorCodes.unsupported, `The observer given at creation (${observer}) cannot be removed; it is told when the instance closes`, 'UNSUPPORTED');
    }),
  };
}

/**
 * The instance's Wf-XML observer, when it has one: an ASAP observer key is the URI of an Observer
 * resource (as:ObserverKey is xsd:anyURI). A performing instance's result goes to its home
 * department through the transfer service; that routing is no observer and is never shown as one.
 */
function wfxmlObserver(view: Pick<InstanceView, 'observer'>): string | undefined {
  return view.observer !== undefined && parseUrl(view.observer) ? view.observer : undefined;
}

function observerKeyOf(value: string, operation: string): string {
  const key = value.trim();
  if (!parseUrl(key)) throw asapFault('Client', AsapErrorCodes.invalidData, `${operation}/ObserverKey "${key}" is not an absolute http(s) URL`, 'INVALID_FIELD');
  return key;
}

function sameKey(a: string, b: string): boolean {
  const ua = parseUrl(a);
  const ub = parseUrl(b);
  if (!ua || !ub) return a === b;
  return ua.protocol === ub.protocol && ua.host.toLowerCase() === ub.host.toLowerCase() && keyPath(a) === keyPath(b) && ua.search === ub.search;
}

// -------------------------------------------------------------------------------------------------

interface HistoryEvent {
  at: Date;
  type: 'InstanceCreated' | 'StateChanged';
  source: string;
  oldState?: string;
  newState?: string;
}

/** The state history ASAP defines, from the engine's history (data and work-item events are left out). */
export function stateHistory(records: readonly HistoryRecord[], keys: { instance: string; factory: string }): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (const h of records) {
    const detail = (h.detail ?? {}) as Record<string, unknown>;
    switch (h.type) {
      case 'instance.created':
        out.push({ at: h.at, type: 'InstanceCreated', source: keys.factory, newState: 'open.notrunning' });
        break;
      case 'instance.stateChanged':
        out.push({ at: h.at, type: 'StateChanged', source: keys.instance, oldState: String(detail.from), newState: String(detail.to) });
        break;
      case 'instance.completed':
        out.push({ at: h.at, type: 'StateChanged', source: keys.instance, oldState: 'open.running', newState: 'closed.completed' });
        break;
      case 'instance.aborted':
        out.push({ at: h.at, type: 'StateChanged', source: keys.instance, oldState: 'open.running', newState: 'closed.abnormalCompleted.aborted' });
        break;
    }
  }
  return out;
}

/** The state an instance was in before it reached `state`, from its history. */
export function previousState(records: readonly HistoryRecord[], state: InstanceState, keys = { instance: '', factory: '' }): string {
  const events = stateHistory(records, keys).filter((e) => e.type === 'StateChanged' && e.newState === state);
  return events.at(-1)?.oldState ?? 'open.running';
}

function instanceProperties(p: {
  element: 'GetPropertiesRs' | 'SetPropertiesRs';
  key: string;
  factory: string;
  view: InstanceView;
  name: string;
  def: Parameters<typeof contextFields>[0];
  history: readonly HistoryRecord[];
}): string {
  const { view } = p;
  const subject = view.subject ? `<as:Subject>${escapeXml(view.subject)}</as:Subject>` : '';
  const observer = wfxmlObserver(view);
  const observers = observer ? `<as:Observers><as:ObserverKey>${escapeXml(observer)}</as:ObserverKey></as:Observers>` : '<as:Observers/>';
  const events = stateHistory(p.history, { instance: p.key, factory: p.factory })
    .map(
      (e) =>
        `<as:Event><as:Time>${e.at.toISOString()}</as:Time><as:EventType>${e.type}</as:EventType><as:SourceKey>${escapeXml(e.source)}</as:SourceKey>` +
        (e.oldState ? `<as:OldState>${escapeXml(e.oldState)}</as:OldState>` : '') +
        (e.newState ? `<as:NewState>${escapeXml(e.newState)}</as:NewState>` : '') +
        `</as:Event>`,
    )
    .join('');
  return (
    `<as:${p.element} xmlns:as="${ASAP_NS}"><as:Key>${escapeXml(p.key)}</as:Key><as:State>${view.state}</as:State>` +
    `<as:Name>${escapeXml(p.name)}</as:Name>${subject}<as:FactoryKey>${escapeXml(p.factory)}</as:FactoryKey>${observers}` +
    `<as:ContextData>${dataChildren(contextFields(p.def), view.data, true)}</as:ContextData>` +
    `<as:ResultData>${dataChildren(resultFields(p.def), view.data)}</as:ResultData>` +
    `<as:History>${events}</as:History></as:${p.element}>`
  );
}
