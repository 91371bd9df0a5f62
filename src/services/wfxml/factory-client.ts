import { escapeXml } from '../soap';
import type { AsapRequest } from './asap-client';
import { dataChildren } from './context-data';
import { ASAP_NS } from './namespaces';

/**
 * The CreateInstanceRq that starts a subprocess on a remote factory (the remote subprocess
 * pattern: the ObserverKey points back at this engine's correlated observer key, see
 * subprocessObserverKey). Values are written as text in the order given, as every ContextData is (dataChildren).
 */
export function createInstanceRequest(p: {
  factoryKey: string;
  observerKey?: string;
  senderKey?: string;
  requestId?: string;
  subject?: string;
  data: Record<string, unknown>;
  startImmediately?: boolean;
}): AsapRequest {
  const observer = p.observerKey ? `<as:ObserverKey>${escapeXml(p.observerKey)}</as:ObserverKey>` : '';
  const subject = p.subject ? `<as:Subject>${escapeXml(p.subject)}</as:Subject>` : '';
  return {
    receiverKey: p.factoryKey,
    ...(p.senderKey ? { senderKey: p.senderKey } : {}),
    ...(p.requestId ? { requestId: p.requestId } : {}),
    resource: 'factory',
    operation: 'CreateInstance',
    body: `<as:CreateInstanceRq xmlns:as="${ASAP_NS}"><as:StartImmediately>${p.startImmediately === false ? 'false' : 'true'}</as:StartImmediately>${observer}${subject}<as:ContextData>${dataChildren([], p.data, true)}</as:ContextData></as:CreateInstanceRq>`,
  };
}
