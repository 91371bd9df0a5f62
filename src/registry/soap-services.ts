import { AuthThrottle, throttledMessage } from '../services/security';
import { resolve } from 'node:path';
import { clark, SoapFault, type SoapContext, type SoapHandler, type SoapNode, type SoapServiceDefinition } from '../services/soap';
import { UddiError, uddiError } from './errors';
import { UDDI_NS } from './model';
import type { RegistryStore } from './registry-store';
import * as read from './xml-read';
import * as write from './xml-write';

export const UDDI_INQUIRY_PATH = '/uddi/inquiry';
export const UDDI_PUBLICATION_PATH = '/uddi/publication';
export const UDDI_SECURITY_PATH = '/uddi/security';

const WSDL_DIR = resolve(__dirname, '..', '..', 'wsdl', 'uddi');

export interface RegistryServiceOptions {
  /** Where the three endpoints live; default /uddi (…/inquiry, …/publication, …/security). */
  basePath?: string;
  /** Failed get_authToken throttle (per userID and per address); default a fresh one. */
  throttle?: AuthThrottle;
}

type Operation = (body: SoapNode, ctx: SoapContext) => Promise<string>;

/**
 * The UDDI v3 API sets as SOAP services for the shared SOAP layer (mountSoapService): document/
 * literal in namespace urn:uddi-org:api_v3, dispatched on the request element (a SOAPAction, if
 * sent, is not needed). Every UDDI failure becomes a SOAP Fault whose detail is a dispositionReport
 * (UDDI v3 §4.8); operations of the official portTypes this node does not implement answer
 * E_unsupported the same way, so a client generated from the official WSDL always gets a fault it
 * understands.
 */
export function createRegistryServices(registry: RegistryStore, options: RegistryServiceOptions = {}): SoapServiceDefinition[] {
  const base = (options.basePath ?? '/uddi').replace(/\/+$/, '');
  const throttle = options.throttle ?? new AuthThrottle();

  const inquiry: Record<string, Operation> = {
    find_business: async (b) => write.businessList(await registry.findBusiness(read.findBusiness(b))),
    find_service: async (b) => write.serviceList(await registry.findService(read.findService(b))),
    find_binding: async (b) => write.bindingList(await registry.findBinding(read.findBinding(b))),
    find_tModel: async (b) => write.tModelList(await registry.findTModel(read.findTModel(b))),
    get_businessDetail: async (b) => write.businessDetail(await registry.getBusinessDetail(read.keys(b, 'businessKey'))),
    get_serviceDetail: async (b) => write.serviceDetail(await registry.getServiceDetail(read.keys(b, 'serviceKey'))),
    get_bindingDetail: async (b) => write.bindingDetail(await registry.getBindingDetail(read.keys(b, 'bindingKey'))),
    get_tModelDetail: async (b) => write.tModelDetail(await registry.getTModelDetail(read.keys(b, 'tModelKey'))),
    get_operationalInfo: async (b) => write.operationalInfos(await registry.getOperationalInfo(read.keys(b, 'entityKey'))),
    find_relatedBusinesses: unsupported('find_relatedBusinesses', 'publisher assertions are not kept by this node'),
  };

  const publication: Record<string, Operation> = {
    save_business: async (b) => write.businessDetail(await registry.saveBusiness(read.authInfo(b), read.all(b, 'businessEntity').map(read.businessEntity))),
    save_service: async (b) => write.serviceDetail(await registry.saveService(read.authInfo(b), read.all(b, 'businessService').map(read.businessService))),
    save_binding: async (b) => write.bindingDetail(await registry.saveBinding(read.authInfo(b), read.all(b, 'bindingTemplate').map(read.bindingTemplate))),
    save_tModel: async (b) => write.tModelDetail(await registry.saveTModel(read.authInfo(b), read.all(b, 'tModel').map(read.tModel))),
    delete_business: async (b) => empty(await registry.deleteBusiness(read.authInfo(b), read.keys(b, 'businessKey'))),
    delete_service: async (b) => empty(await registry.deleteService(read.authInfo(b), read.keys(b, 'serviceKey'))),
    delete_binding: async (b) => empty(await registry.deleteBinding(read.authInfo(b), read.keys(b, 'bindingKey'))),
    delete_tModel: async (b) => empty(await registry.deleteTModel(read.authInfo(b), read.keys(b, 'tModelKey'))),
    get_registeredInfo: async (b) => write.registeredInfo(await registry.getRegisteredInfo(read.authInfo(b), infoSelection(b))),
    add_publisherAssertions: unsupported('add_publisherAssertions', 'publisher assertions are not kept by this node'),
    delete_publisherAssertions: unsupported('delete_publisherAssertions', 'publisher assertions are not kept by this node'),
    set_publisherAssertions: unsupported('set_publisherAssertions', 'publisher assertions are not kept by this node'),
    get_publisherAssertions: unsupported('get_publisherAssertions', 'publisher assertions are not kept by this node'),
    get_assertionStatusReport: unsupported('get_assertionStatusReport', 'publisher assertions are not kept by this node'),
  };

  const security: Record<string, Operation> = {
    get_authToken: async (b, ctx) => {
      const userID = read.attr(b, 'userID') ?? '';
      const keys = { user: userID, address: ctx.remoteAddress };
      const throttled = await throttle.check(keys);
      if (throttled) {
        ctx.log.warn({ address: ctx.remoteAddress, by: throttled.by, retryAfterSeconds: throttled.retryAfterSeconds }, 'get_authToken throttled');
        const uddi = uddiError('E_busy', `get_authToken: ${throttledMessage(throttled)}`);
        throw new SoapFault('Client', uddi.message, uddi.errorCode, { detail: write.dispositionReport(uddi), httpStatus: 429, httpHeaders: { 'Retry-After': String(throttled.retryAfterSeconds) } });
      }
      try {
        return write.authToken(await registry.getAuthToken(userID, read.attr(b, 'cred') ?? ''));
      } catch (e) {
        if (e instanceof UddiError && e.errorCode === 'E_unknownUser') await throttle.fail(keys);
        throw e;
      }
    },
    discard_authToken: async (b) => empty(await registry.discardAuthToken(read.authInfo(b))),
  };

  return [
    service('UDDI Inquiry', `${base}/inquiry`, 'uddi-inquiry.wsdl', inquiry),
    service('UDDI Publication', `${base}/publication`, 'uddi-publication.wsdl', publication),
    service('UDDI Security', `${base}/security`, 'uddi-security.wsdl', security),
  ];
}

function service(name: string, path: string, wsdl: string, ops: Record<string, Operation>): SoapServiceDefinition {
  const operations: Record<string, SoapHandler> = {};
  for (const [op, run] of Object.entries(ops)) {
    operations[clark(UDDI_NS, op)] = async (body, ctx) => {
      try {
        return { body: await run(body, ctx) };
      } catch (error) {
        throw toFault(error, ctx, op);
      }
    };
  }
  return { name, path, wsdl: { file: resolve(WSDL_DIR, wsdl), schemas: {} }, operations };
}

/** Operations whose reply is the empty successMessage of the official portType. */
function empty(_: void): string {
  return '';
}

function unsupported(op: string, why: string): Operation {
  return async () => {
    throw uddiError('E_unsupported', `${op}: not supported by this node (${why})`);
  };
}

function infoSelection(body: SoapNode): 'all' | 'hidden' | 'visible' {
  const raw = read.attr(body, 'infoSelection')?.trim() ?? 'all';
  if (raw === 'all' || raw === 'hidden' || raw === 'visible') return raw;
  throw uddiError('E_invalidValue', `get_registeredInfo/@infoSelection: expected all, hidden or visible, got "${raw}"`);
}

/**
 * A UddiError becomes a Client fault (Server for E_fatalError/E_busy) carrying its
 * dispositionReport. Anything else is our failure: it is logged here with the request id, and the
 * caller gets E_fatalError naming that id, never the error itself.
 */
function toFault(error: unknown, ctx: SoapContext, op: string): SoapFault {
  if (error instanceof SoapFault) return error;
  let uddi: UddiError;
  if (error instanceof UddiError) {
    uddi = error;
    if (uddi.audit) ctx.log.warn({ operation: op, errCode: uddi.errorCode, ...uddi.audit, reason: uddi.message }, 'registry refused a publication outside the publisher\'s rights');
  } else {
    ctx.log.error({ err: error, operation: op }, 'UDDI request failed with an unexpected error');
    uddi = uddiError('E_fatalError', `${op}: the registry could not process the request because of an internal error, logged under correlation id ${ctx.requestId}; quote it when you report the problem`);
  }
  return new SoapFault(uddi.isClientError ? 'Client' : 'Server', uddi.message, uddi.errorCode, { detail: write.dispositionReport(uddi) });
}
