import type {
  BindingTemplate,
  BusinessEntity,
  BusinessInfo,
  BusinessService,
  FindBindingRequest,
  FindBusinessRequest,
  FindServiceRequest,
  FindTModelRequest,
  ListResult,
  ServiceInfo,
  TModel,
  TModelInfo,
} from '../registry';

/**
 * The UDDI operations binding and self-registration use, with the signatures of RegistryStore.
 * Two implementations: RegistryClient (SOAP to a remote node) and RegistryStore itself (a node in
 * this process: the hub's own tools, benchmarks). Both throw UddiError for what the node refused.
 */
export interface UddiInquiry {
  findBusiness(request: FindBusinessRequest): Promise<ListResult<BusinessInfo>>;
  findService(request: FindServiceRequest): Promise<ListResult<ServiceInfo>>;
  findBinding(request: FindBindingRequest): Promise<ListResult<BindingTemplate>>;
  findTModel(request: FindTModelRequest): Promise<ListResult<TModelInfo>>;
  getBusinessDetail(businessKeys: readonly string[]): Promise<BusinessEntity[]>;
  getServiceDetail(serviceKeys: readonly string[]): Promise<BusinessService[]>;
  getBindingDetail(bindingKeys: readonly string[]): Promise<BindingTemplate[]>;
  getTModelDetail(tModelKeys: readonly string[]): Promise<TModel[]>;
}

export interface UddiPublication {
  getAuthToken(userID: string, cred: string): Promise<string>;
  discardAuthToken(authInfo: string | undefined): Promise<void>;
  saveBusiness(authInfo: string | undefined, entities: readonly BusinessEntity[]): Promise<BusinessEntity[]>;
  saveService(authInfo: string | undefined, services: readonly BusinessService[]): Promise<BusinessService[]>;
  saveBinding(authInfo: string | undefined, bindings: readonly BindingTemplate[]): Promise<BindingTemplate[]>;
  saveTModel(authInfo: string | undefined, tModels: readonly TModel[]): Promise<TModel[]>;
  deleteBinding(authInfo: string | undefined, bindingKeys: readonly string[]): Promise<void>;
  deleteTModel(authInfo: string | undefined, tModelKeys: readonly string[]): Promise<void>;
}

export type UddiNode = UddiInquiry & UddiPublication;
