/** Wf-XML 2.0 / OASIS ASAP (WfMC Interface 4): Factory, Instance and Observer resources, and observer notifications. */
export { wfxmlServices, type WfxmlServiceOptions } from './wfxml-services';
export { ObserverDispatcher, OBSERVER_NOTIFY_KIND, type ObserverDispatcherOptions, type DispatchReport } from './observer-dispatcher';
export {
  factoryKey,
  instanceKey,
  observerKey,
  subprocessObserverKey,
  correlationOf,
  FACTORY_PATH,
  INSTANCE_PATH,
  OBSERVER_PATH,
  CORRELATED_OBSERVER_PATH,
  type SubprocessCorrelation,
} from './keys';
export { postAsap, requestEnvelope, requestIdFor, AsapDeliveryError, type AsapRequest, type AsapReply, type PostOptions } from './asap-client';
export { createInstanceRequest } from './factory-client';
export { ASAP_NS, WFXML_NS } from './namespaces';
export { AsapErrorCodes } from './asap-fault';
export { verifySignedCall, signedCallHeader, type WfxmlTrust, type WfxmlEndpointOwners, type WfxmlServiceType, type AsapSigning } from './trust';
export { decodeLocalName } from './context-data';
