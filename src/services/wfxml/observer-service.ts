import { ALL_INSTANCE_STATES, type WorkflowEngine } from '../../engine';
import type { SoapContext } from '../soap';
import { escapeXml } from '../soap/xml-text';
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

/** The activity instance waiting for the remote subprocess that `correlation` names. */
async function waitingActivity(engine: WorkflowEngine, c: SubprocessCorrelation): Promise<string> {
  const call = (await engine.outbox({ instanceId: c.instanceId })).find((m) => m.id === c.messageId && m.kind === 'remote-subprocess');
  const activityInstanceId = call?.payload.activityInstanceId;
  if (typeof activityInstanceId !== 'string') {
    throw asapFault(
      'Client',
      AsapErrorCodes.notFound,
      `Instance ${c.instanceId} never called a remote subprocess with message ${c.messageId}; the ObserverKey is not one Interflow issued`,
      'NOT_FOUND',
    );
  }
  return activityInstanceId;
}

export function observerOperations(engine: WorkflowEngine) {
  return {
    [asap('GetPropertiesRq')]: wfxmlOperation('GetPropertiesRq', observer, async ({ ctx, key }) => {
      const c = pathCorrelation(ctx);
      const description = c
        ? `Waits for the remote subprocess called by instance ${c.instanceId} (message ${c.messageId})`
        : 'Receives Completed and StateChanged from remote factories running subprocesses for this engine';
      return `<as:GetPropertiesRs xmlns:as="${ASAP_NS}"><as:Key>${escapeXml(key)}</as:Key><as:Name>Interflow observer</as:Name><as:Description>${escapeXml(description)}</as:Description></as:GetPropertiesRs>`;
    }),

    [asap('CompletedRq')]: wfxmlOperation('CompletedRq', observer, async (call) => {
      const { ctx, body, header } = call;
      const c = correlationFor(call);
      const remoteInstance = body.optionalString('InstanceKey')?.trim();
      const data = readDataElement(body.optionalChild('ResultData')?.raw, 'CompletedRq/ResultData');
      const activityInstanceId = await waitingActivity(engine, c);
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
    }),

    [asap('StateChangedRq')]: wfxmlOperation('StateChangedRq', observer, async (call) => {
      const { ctx, body, header } = call;
      const state = body.enumeration('State', ALL_INSTANCE_STATES);
      const previous = body.optionalEnum('PreviousState', ALL_INSTANCE_STATES);
      const c = correlationFor(call);
      const activityInstanceId = await waitingActivity(engine, c);
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
    }),
  };
}
