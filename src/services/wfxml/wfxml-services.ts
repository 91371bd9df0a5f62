import { asap } from './namespaces';
import { resolve } from 'node:path';
import type { WorkflowEngine } from '../../engine';
import type { SoapFault, SoapServiceDefinition } from '../soap';
import { toAsapFault } from './asap-fault';
import { factoryOperations } from './factory-service';
import { instanceOperations } from './instance-service';
import { CORRELATED_OBSERVER_PATH, FACTORY_PATH, INSTANCE_PATH, OBSERVER_PATH } from './keys';
import { observerOperations } from './observer-service';
import { verifySignedCall, type WfxmlTrust } from './trust';

export interface WfxmlServiceOptions {
  /** Where wfxml-*.wsdl, asap.xsd and wfxml.xsd are; defaults to the repository's wsdl/. */
  wsdlDir?: string;
  /**
   * A department engine in a federation (src/transfer departmentFederation's `wfxml`): signed calls
   * from registered departments are verified and stand in for user credentials, the Observer takes
   * results only from the department a call was bound to, and ObserverKeys must be registered
   * observers. Without it (a single engine) see docs/wfxml.md, "Outside a federation".
   */
  trust?: WfxmlTrust;
}

// src/services/wfxml and dist/services/wfxml are both three levels below the repository root.
const DEFAULT_WSDL_DIR = resolve(__dirname, '../../../wsdl');

/**
 * The Wf-XML 2.0 resources of one department engine, for mountSoapService: Factory, Instance and
 * Observer (the latter twice: its plain key and the correlated keys given to remote factories).
 */
export function wfxmlServices(engine: WorkflowEngine, options: WfxmlServiceOptions = {}): SoapServiceDefinition[] {
  const dir = options.wsdlDir ?? DEFAULT_WSDL_DIR;
  const wsdl = (file: string, withWfxml: boolean) => ({
    file: resolve(dir, file),
    schemas: { 'asap.xsd': resolve(dir, 'asap.xsd'), ...(withWfxml ? { 'wfxml.xsd': resolve(dir, 'wfxml.xsd') } : {}) },
  });
  const { trust } = options;
  const observer = observerOperations(engine, trust ? { federation: true } : {});
  // The ASAP Request header always, and with trust the signed transfer header too.
  const understoodHeaders = [asap('Request'), ...(trust ? ['{urn:interflow:transfer:1}TransferHeader'] : [])];
  const shapeFault = (fault: SoapFault) => toAsapFault(fault) as SoapFault;
  const verify = trust ? { verifySignature: verifySignedCall(trust), understoodHeaders, shapeFault } : { understoodHeaders, shapeFault };
  return [
    { name: 'WfXmlFactory', path: FACTORY_PATH, wsdl: wsdl('wfxml-factory.wsdl', true), operations: factoryOperations(engine, trust ? { endpoints: trust.endpoints } : {}), ...verify },
    { name: 'WfXmlInstance', path: INSTANCE_PATH, wsdl: wsdl('wfxml-instance.wsdl', false), operations: instanceOperations(engine), ...verify },
    { name: 'WfXmlObserver', path: OBSERVER_PATH, wsdl: wsdl('wfxml-observer.wsdl', false), operations: observer, ...verify },
    { name: 'WfXmlObserver', path: CORRELATED_OBSERVER_PATH, wsdl: wsdl('wfxml-observer.wsdl', false), operations: observer, ...verify },
  ];
}
