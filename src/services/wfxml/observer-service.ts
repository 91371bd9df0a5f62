import { ALL_INSTANCE_STATES, outboxKind, type OutboxRecord, type RemoteCallBinding, type WorkflowEngine } from '../../engine';
import type { SoapContext } from '../soap';
import { escapeXml } from '../soap';
import { asapFault, AsapErrorCodes } from './asap-fault';
import { checkReceiver, type AsapRequestHeader } from './asap-header';
import { readDataElement } from './context-data';
import { correlationOf, keyPath, observerKey, OBSERVER_PATH, subprocessObserverKey, type SubprocessCorrelation } from './keys';
import { ASAP_NS, asap } from './namespaces';
import { wfxmlOperation, type ResourceBinding, type WfxmlCall } from './wfxml-operation';
import { caseLogger } from '../../monitoring';

function pathCorrelation(ctx: SoapContext): SubprocessCorrelation | undefined {
  const { instanceId, messageId } = ctx.pathParams;
  return instanceId && messageId ? { instanceId, messageId } : undefined;
}

/**
 * Interflow's Observer. Its plain key, /wfxml/observer, is what it is called; a remote subprocess
 * is given a correlated key, /wfxml/observer/{instanceId}/{messageId}, so that the callback itself
 * says which activity waits for it. A sender that posts to the plain address and names the
 * correlated key in its Request/ReceiverKey is understood as well.
 */
const observer: ResourceBinding = {
  keyOf: (ctx) => {
    const c = pathCorrelation(ctx);
    return c ? subprocessObserverKey(ctx.baseUrl, c) : observerKey(ctx.baseUrl);
  },
  checkReceiver: (header: AsapRequestHeader, key: string, ctx: SoapContext) => {
    const named = header.receiverKey ? keyPath(header.receiverKey) : undefined;
    if (!pathCorrelation(ctx) && named?.startsWith(`${OBSERVER_PATH}/`) && correlationOf(header.receiverKey)) return;
    checkReceiver(header, key);
  },
};

function correlationFor(call: WfxmlCall): SubprocessCorrelation {
  const c = pathCorrelation(call.ctx) ?? correlationOf(call.header.receiverKey);
  if (!c) {
    throw asapFault(
      'Client',
      AsapErrorCodes.header,
      `This observer cannot tell which activity waits for this message: post it to the ObserverKey Interflow sent in CreateInstanceRq (${observerKey(call.ctx.baseUrl)}/{instanceId}/{messageId}), or name that key in Request/ReceiverKey`,
      'UNKNOWN_CORRELATION',
    );
  }
  return c;
}

/** The 'remote-subprocess' outbox row that `correlation` names, and the activity instance waiting for it. */
async function remoteCall(engine: WorkflowEngine, c: SubprocessCorrelation): Promise<{ row: OutboxRecord<'remote-subprocess'>; activityInstanceId: string }> {
  const row = (await engine.outbox({ instanceId: c.instanceId })).filter(outboxKind('remote-subprocess')).find((m) => m.id === c.messageId);
  const activityInstanceId = row?.payload.activityInstanceId;
  if (!row || typeof activityInstanceId !== 'string') {
    throw asapFault(
      'Client',
      AsapErrorCodes.notFound,
      `Instance ${c.instanceId} never called a remote subprocess with message ${c.messageId}; the ObserverKey is not one Interflow issued`,
      'NOT_FOUND',
    );
  }
  return { row, activityInstanceId };
}

function bindingOf(row: OutboxRecord<'remote-subprocess'>): RemoteCallBinding | undefined {
  const b = row.payload.boundTo;
  return b && typeof b === 'object' ? b : undefined;
}

function notAuthorised(call: WfxmlCall, c: SubprocessCorrelation | undefined, operation: string, reason: string): never {
  const log = c ? caseLogger(call.ctx.log, c.instanceId) : call.ctx.log;
  log.warn({ messageId: c?.messageId, department: call.department, user: call.ctx.caller?.username, reason }, `${operation} refused: not authorised`);
  throw asapFault('Client', AsapErrorCodes.forbidden, `not authorised: ${reason}`, 'FORBIDDEN');
}

/**
 * Who may report the end of a remote subprocess (docs/wfxml.md, "Who may report to the Observer").
 * In a federation: only the department the call was bound to, by its signature, about the instance
 * the call created; never a user, whatever their rights. Outside one there is no department to
 * ask, so only an administrator (or anyone where caller authentication is off). Checked before
 * anything changes.
 */
async function authorisedCall(engine: WorkflowEngine, call: WfxmlCall, c: SubprocessCorrelation, operation: string, federation: boolean, reportedInstance?: string): Promise<string> {
  if (federation && call.department === undefined) {
    notAuthorised(call, c, operation, `in a federation this observer takes ${operation} only from the department the remote subprocess was sent to, signed with that department's key; user credentials do not count`);
  }
  if (!federation && call.ctx.caller && !call.ctx.caller.admin) {
    notAuthorised(call, c, operation, `user "${call.ctx.caller.username}" may not report the end of a remote subprocess; outside a federation only an administrator may`);
  }
  const { row, activityInstanceId } = await remoteCall(engine, c);
  if (!federation) return activityInstanceId;
  const bound = bindingOf(row);
  if (!bound && row.state === 'pending') {
    // The remote instance can finish before the factory's reply has been recorded here; the
    // sender's observer dispatcher retries a Server fault, and by then the binding is known.
    caseLogger(call.ctx.log, c.instanceId).info({ messageId: c.messageId, department: call.department }, `${operation} arrived before its call was recorded as sent; the sender will retry`);
    throw asapFault('Server', AsapErrorCodes.internal, `remote subprocess call ${c.messageId} of instance ${c.instanceId} is not recorded as sent yet; retry shortly`, 'NOT_YET_SENT');
  }
  if (!bound?.department) {
    notAuthorised(call, c, operation, `remote subprocess call ${c.messageId} of instance ${c.instanceId} was not sent to a registered department, so no department may report on it`);
  }
  if (bound.department !== call.department) {
    notAuthorised(call, c, operation, `department ${call.department} signed this ${operation}, but remote subprocess call ${c.messageId} of instance ${c.instanceId} was sent to department ${bound.department}`);
  }
  const reported = call.header.senderKey ?? reportedInstance;
  if (bound.remoteInstance && (!reported || keyPath(reported) !== keyPath(bound.remoteInstance))) {
    notAuthorised(call, c, operation, `this ${operation} is about instance ${reported ?? '(none named)'}, but the call created ${bound.remoteInstance}`);
  }
  return activityInstanceId;
}

export function observerOperations(engine: WorkflowEngine, options: { federation?: boolean } = {}) {
  const federation = options.federation === true;
  const departments = { departments: true };
  return {
    [asap('GetPropertiesRq')]: wfxmlOperation('GetPropertiesRq', observer, async ({ ctx, key }) => {
      const c = pathCorrelation(ctx);
      const description = c
        ? `Waits for the remote subprocess called by instance ${c.instanceId} (message ${c.messageId})`
        : 'Receives Completed and StateChanged from remote factories running subprocesses for this engine';
      return `<as:GetPropertiesRs xmlns:as="${ASAP_NS}"><as:Key>${escapeXml(key)}</as:Key><as:Name>Interflow observer</as:Name><as:Description>${escapeXml(description)}</as:Description></as:GetPropertiesRs>`;
    }, departments),

    [asap('CompletedRq')]: wfxmlOperation('CompletedRq', observer, async (call) => {
      const { ctx, body, header } = call;
      const c = correlationFor(call);
      const remoteInstance = body.optionalString('InstanceKey')?.trim();
      const data = readDataElement(body.optionalChild('ResultData')?.raw, 'CompletedRq/ResultData');
      const activityInstanceId = await authorisedCall(engine, call, c, 'Completed', federation, remoteInstance);
      const source = header.senderKey ?? remoteInstance ?? 'wfxml-observer';
      // The correlation, not the RequestID, makes delivery idempotent: one remote call completes
      // its activity once, however many times and under whatever RequestIDs the sender retries.
      const applied = await engine.completeTransferredActivity(c.instanceId, activityInstanceId, data, {
        messageId: `wfxml:completed:${c.messageId}`,
        source,
        ...(call.actor ? { actor: call.actor } : {}),
      });
      caseLogger(ctx.log, c.instanceId).info(
        { activityInstanceId, remoteInstance, requestId: header.requestId, duplicate: !applied },
        applied ? 'remote subprocess completed its activity' : 'duplicate Completed acknowledged; nothing changed',
      );
      return `<as:CompletedRs xmlns:as="${ASAP_NS}"/>`;
    }, departments),

    [asap('StateChangedRq')]: wfxmlOperation('StateChangedRq', observer, async (call) => {
      const { ctx, body, header } = call;
      const state = body.enumeration('State', ALL_INSTANCE_STATES);
      const previous = body.optionalEnum('PreviousState', ALL_INSTANCE_STATES);
      const c = correlationFor(call);
      const activityInstanceId = await authorisedCall(engine, call, c, 'StateChanged', federation);
      const entry = { activityInstanceId, remote: header.senderKey, state, previous };
      const log = caseLogger(ctx.log, c.instanceId);
      // Completion is taken from Completed, which carries the result. An abnormal end turns the
      // waiting activity into an incident an administrator can retry, once per remote call.
      if (state.startsWith('closed.abnormalCompleted')) {
        const applied = await engine.failTransferredActivity(
          c.instanceId,
          activityInstanceId,
          `the remote subprocess ${header.senderKey ?? ''} ended ${state}`.replace(/\s+/g, ' '),
          { messageId: `wfxml:failed:${c.messageId}`, source: header.senderKey ?? 'wfxml-observer' },
        );
        log.warn({ ...entry, duplicate: !applied }, 'remote subprocess ended abnormally; its activity is now an incident');
      } else log.info(entry, 'remote subprocess changed state');
      return `<as:StateChangedRs xmlns:as="${ASAP_NS}"/>`;
    }, departments),
  };
}
