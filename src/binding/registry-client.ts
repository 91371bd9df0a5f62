import {
  UddiError,
  UDDI_ERRORS,
  type BindingTemplate,
  type BusinessEntity,
  type BusinessInfo,
  type BusinessService,
  type FindBindingRequest,
  type FindBusinessRequest,
  type FindServiceRequest,
  type FindTModelRequest,
  type ListDescription,
  type ListResult,
  type LocalizedText,
  type ServiceInfo,
  type TModel,
  type TModelInfo,
  type UddiErrorCode,
  type UddiKeyType,
} from '../registry';
import { uddiRead as read, uddiWrite as write } from '../registry';
import { soapCall, SoapTransportError, SOAP11_ENVELOPE_NS, type SoapCallReply, type SoapNode } from '../services/soap';
import * as req from './uddi-requests';
import type { UddiNode } from './uddi-api';

/**
 * A UDDI v3 client over SOAP 1.1 for Interflow's registry (or any v3 node): envelopes built here and
 * POSTed with the SOAP layer's soapCall (size limit, DTD refusal, well-formedness), replies read and the registry's own element
 * readers. Not node-soap generated from the UDDI WSDL: loading that WSDL and its schemas (xmldsig
 * with entities among them) costs hundreds of milliseconds per client and node-soap's object
 * mapping would need a translation to and from the registry's model anyway, while the registry
 * already has exact readers and writers for every UDDI structure; a request here costs one POST.
 */

export class RegistryUnavailableError extends Error {
  constructor(
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = 'RegistryUnavailableError';
  }
}

export interface RegistryClientOptions {
  /** The registry host's base URL (INTERFLOW_REGISTRY_URL), e.g. http://hub:8080; /uddi/… are appended. */
  baseUrl: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  maxReplyBytes?: number;
  fetch?: typeof fetch;
}

const EMPTY_BODY = /<(?:[\w.-]+:)?Body(?:\s[^>]*)?(?:\/>|>\s*<\/(?:[\w.-]+:)?Body>)/;

export class RegistryClient implements UddiNode {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxReplyBytes: number;
  /** Only when a caller injects one (tests); otherwise soapCall's own transport. */
  private readonly doFetch?: typeof fetch;

  constructor(options: RegistryClientOptions) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxReplyBytes = options.maxReplyBytes ?? 16 * 1024 * 1024;
    this.doFetch = options.fetch;
  }

  urlOf(api: 'inquiry' | 'publication' | 'security'): string {
    return `${this.baseUrl}/uddi/${api}`;
  }

  // ------------------------------------------------------------------ inquiry

  async findBusiness(request: FindBusinessRequest): Promise<ListResult<BusinessInfo>> {
    const body = await this.call('inquiry', 'find_business', req.findBusiness(request));
    return listOf(body, read.all(read.one(body, 'businessInfos'), 'businessInfo').map(businessInfo));
  }

  async findService(request: FindServiceRequest): Promise<ListResult<ServiceInfo>> {
    const body = await this.call('inquiry', 'find_service', req.findService(request));
    return listOf(body, read.all(read.one(body, 'serviceInfos'), 'serviceInfo').map(serviceInfo));
  }

  async findBinding(request: FindBindingRequest): Promise<ListResult<BindingTemplate>> {
    const body = await this.call('inquiry', 'find_binding', req.findBinding(request));
    return listOf(body, read.all(body, 'bindingTemplate').map(read.bindingTemplate));
  }

  async findTModel(request: FindTModelRequest): Promise<ListResult<TModelInfo>> {
    const body = await this.call('inquiry', 'find_tModel', req.findTModel(request));
    return listOf(body, read.all(read.one(body, 'tModelInfos'), 'tModelInfo').map(tModelInfo));
  }

  async getBusinessDetail(businessKeys: readonly string[]): Promise<BusinessEntity[]> {
    const body = await this.call('inquiry', 'get_businessDetail', req.keyed('get_businessDetail', 'businessKey', businessKeys));
    return read.all(body, 'businessEntity').map(read.businessEntity);
  }

  async getServiceDetail(serviceKeys: readonly string[]): Promise<BusinessService[]> {
    const body = await this.call('inquiry', 'get_serviceDetail', req.keyed('get_serviceDetail', 'serviceKey', serviceKeys));
    return read.all(body, 'businessService').map(read.businessService);
  }

  async getBindingDetail(bindingKeys: readonly string[]): Promise<BindingTemplate[]> {
    const body = await this.call('inquiry', 'get_bindingDetail', req.keyed('get_bindingDetail', 'bindingKey', bindingKeys));
    return read.all(body, 'bindingTemplate').map(read.bindingTemplate);
  }

  async getTModelDetail(tModelKeys: readonly string[]): Promise<TModel[]> {
    const body = await this.call('inquiry', 'get_tModelDetail', req.keyed('get_tModelDetail', 'tModelKey', tModelKeys));
    return read.all(body, 'tModel').map((t) => ({ ...read.tModel(t), ...(read.attr(t, 'deleted') === 'true' ? { deleted: true } : {}) }));
  }

  // ------------------------------------------------------------------ security

  async getAuthToken(userID: string, cred: string): Promise<string> {
    const body = await this.call('security', 'get_authToken', req.getAuthToken(userID, cred));
    return read.text(read.one(body, 'authInfo'));
  }

  async discardAuthToken(authInfo: string | undefined): Promise<void> {
    await this.call('security', 'discard_authToken', req.discardAuthToken(authInfo));
  }

  // ------------------------------------------------------------------ publication

  async saveBusiness(authInfo: string | undefined, entities: readonly BusinessEntity[]): Promise<BusinessEntity[]> {
    const body = await this.call('publication', 'save_business', req.save('save_business', authInfo, entities.map(write.businessEntity)));
    return read.all(body, 'businessEntity').map(read.businessEntity);
  }

  async saveService(authInfo: string | undefined, services: readonly BusinessService[]): Promise<BusinessService[]> {
    const body = await this.call('publication', 'save_service', req.save('save_service', authInfo, services.map(write.businessService)));
    return read.all(body, 'businessService').map(read.businessService);
  }

  async saveBinding(authInfo: string | undefined, bindings: readonly BindingTemplate[]): Promise<BindingTemplate[]> {
    const body = await this.call('publication', 'save_binding', req.save('save_binding', authInfo, bindings.map(write.bindingTemplate)));
    return read.all(body, 'bindingTemplate').map(read.bindingTemplate);
  }

  async saveTModel(authInfo: string | undefined, tModels: readonly TModel[]): Promise<TModel[]> {
    const body = await this.call('publication', 'save_tModel', req.save('save_tModel', authInfo, tModels.map(write.tModel)));
    return read.all(body, 'tModel').map(read.tModel);
  }

  async deleteBinding(authInfo: string | undefined, bindingKeys: readonly string[]): Promise<void> {
    await this.call('publication', 'delete_binding', req.keyed('delete_binding', 'bindingKey', bindingKeys, authInfo ?? ''));
  }

  async deleteTModel(authInfo: string | undefined, tModelKeys: readonly string[]): Promise<void> {
    await this.call('publication', 'delete_tModel', req.keyed('delete_tModel', 'tModelKey', tModelKeys, authInfo ?? ''));
  }

  // ------------------------------------------------------------------ transport

  /** POSTs one request element; returns the reply's Body element, or throws UddiError for a dispositionReport. */
  private async call(api: 'inquiry' | 'publication' | 'security', operation: string, requestXml: string): Promise<SoapNode> {
    const url = this.urlOf(api);
    const envelope = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP11_ENVELOPE_NS}"><soap:Body>${requestXml}</soap:Body></soap:Envelope>`;
    let reply: SoapCallReply;
    try {
      reply = await soapCall({ url, envelope, soapAction: operation, timeoutMs: this.timeoutMs, maxReplyBytes: this.maxReplyBytes, ...(this.doFetch ? { fetch: this.doFetch } : {}) });
    } catch (e) {
      if (!(e instanceof SoapTransportError)) throw e;
      if (e.failure === 'too-large') throw new RegistryUnavailableError(e.message, url);
      throw new RegistryUnavailableError(`the registry at ${url} did not answer ${operation}: ${e.reason}; check that \`interflow registry serve\` runs there and INTERFLOW_REGISTRY_URL points at it`, url);
    }
    // delete_xx and discard_authToken succeed with an empty Body (the official success message).
    if (reply.ok && EMPTY_BODY.test(reply.text)) return Object.create(null) as SoapNode;
    const parsed = reply.envelope;
    if (!parsed) {
      throw new RegistryUnavailableError(`${url} answered ${operation} with HTTP ${reply.status} and no SOAP envelope (${(reply.notSoap ?? 'an empty reply').slice(0, 200)}); is it a UDDI registry?`, url);
    }
    if (reply.fault) throw faultError(parsed.body, operation, url, reply.status);
    if (!reply.ok) throw new RegistryUnavailableError(`${url} answered ${operation} with HTTP ${reply.status}`, url);
    return parsed.body;
  }
}

export function normaliseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`the registry URL "${raw}" is not an absolute URL such as http://registry.example.gov:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the registry URL "${raw}" must be http: or https:`);
  // Both the host's base URL and the inquiry endpoint itself are accepted.
  return url.toString().replace(/\/+$/, '').replace(/\/uddi(?:\/(?:inquiry|publication|security))?$/, '');
}


function faultError(fault: SoapNode, operation: string, url: string, status: number): Error {
  const report = read.one(read.one(fault, 'detail') ?? read.one(fault, 'Detail'), 'dispositionReport');
  const result = read.one(report, 'result');
  const errInfo = read.one(result, 'errInfo');
  const code = read.attr(errInfo, 'errCode');
  const faultString = read.text(read.one(fault, 'faultstring')) || read.text(read.one(read.one(fault, 'Reason'), 'Text'));
  if (!code) return new RegistryUnavailableError(`${url} answered ${operation} with a SOAP fault that is not a UDDI dispositionReport (HTTP ${status}): ${faultString || 'no reason given'}`, url);
  const errno = Number(read.attr(result, 'errno'));
  const known = code in UDDI_ERRORS ? (code as UddiErrorCode) : 'E_fatalError';
  return new UddiError(known, Number.isFinite(errno) ? errno : UDDI_ERRORS[known], read.text(errInfo) || faultString, read.attr(result, 'keyType') as UddiKeyType | undefined);
}

function localized(node: unknown, name: string): LocalizedText[] {
  return read.all(node, name).map((v) => {
    const lang = read.attr(v, 'lang');
    return lang !== undefined ? { value: read.text(v), lang } : { value: read.text(v) };
  });
}

function serviceInfo(v: unknown): ServiceInfo {
  return { serviceKey: read.attr(v, 'serviceKey') ?? '', businessKey: read.attr(v, 'businessKey') ?? '', names: localized(v, 'name') };
}

function businessInfo(v: unknown): BusinessInfo {
  return {
    businessKey: read.attr(v, 'businessKey') ?? '',
    names: localized(v, 'name'),
    descriptions: localized(v, 'description'),
    serviceInfos: read.all(read.one(v, 'serviceInfos'), 'serviceInfo').map(serviceInfo),
  };
}

function tModelInfo(v: unknown): TModelInfo {
  return { tModelKey: read.attr(v, 'tModelKey') ?? '', name: localized(v, 'name')[0] ?? { value: '' }, descriptions: localized(v, 'description') };
}

function listOf<T>(body: SoapNode, items: T[]): ListResult<T> {
  const d = read.one(body, 'listDescription');
  const num = (name: string, fallback: number) => {
    const n = Number(read.text(read.one(d, name)));
    return Number.isFinite(n) && read.one(d, name) !== undefined ? n : fallback;
  };
  const listDescription: ListDescription = { includeCount: num('includeCount', items.length), actualCount: num('actualCount', items.length), listHead: num('listHead', 1) };
  return { listDescription, truncated: read.attr(body, 'truncated') === 'true', items };
}
