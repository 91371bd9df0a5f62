import { FederationPartitions } from './federation';
import type { BindingTemplate, BusinessEntity, BusinessInfo, BusinessService, FindBindingRequest, FindBusinessRequest, FindServiceRequest, FindTModelRequest, ListResult, OperationalInfo, RegisteredInfo, ServiceInfo, TModel, TModelInfo } from './model';
import type { EntityKind, RegistryRepository } from './repository';
import { RegistryBulkImport } from './registry-bulk-import';
import { RegistryCore, type RegistryOptions } from './registry-core';
import { RegistryInquiry } from './registry-inquiry';
import { RegistryPublication } from './registry-publication';
import type { PublisherInfo } from './registry-rows';
import { RegistrySecurity } from './registry-security';

export { DEFAULT_MAX_ROWS, DEFAULT_TOKEN_TTL_SECONDS, tokenTtlFromEnv } from './registry-core';
export type { RegistryOptions } from './registry-core';
export type { PublisherInfo } from './registry-rows';

/**
 * The UDDI v3 registry node: Inquiry, Publication and Security (UDDI v3.0.2 §5.1, §5.2, §5.1.x
 * security) over a RegistryRepository. Inquiry is open; every publication call names its
 * publisher through an authInfo from getAuthToken, and may change only what that publisher owns.
 * Every method throws UddiError for anything the caller can fix.
 *
 * A facade: each API set is a class of its own (registry-security.ts, registry-inquiry.ts,
 * registry-publication.ts, registry-bulk-import.ts) over the shared RegistryCore.
 */
export class RegistryStore {
  readonly nodeDomain: string;
  /** This node's nodeID (operationalInfo), a key in the node's own partition. */
  readonly nodeID: string;
  readonly tokenTtlSeconds: number;
  readonly maxRows: number;
  readonly federation: FederationPartitions;
  private readonly core: RegistryCore;
  private readonly security: RegistrySecurity;
  private readonly inquiry: RegistryInquiry;
  private readonly publication: RegistryPublication;
  private readonly bulk: RegistryBulkImport;

  constructor(
    readonly repository: RegistryRepository,
    options: RegistryOptions = {},
  ) {
    this.core = new RegistryCore(repository, options);
    this.nodeDomain = this.core.nodeDomain;
    this.nodeID = this.core.nodeID;
    this.tokenTtlSeconds = this.core.tokenTtlSeconds;
    this.maxRows = this.core.maxRows;
    this.federation = this.core.federation;
    this.security = new RegistrySecurity(this.core);
    this.inquiry = new RegistryInquiry(this.core);
    this.publication = new RegistryPublication(this.core);
    this.bulk = new RegistryBulkImport(this.core);
  }

  /** Closes what the registry opened itself; the engine store stays open. */
  async close(): Promise<void> {
    await this.repository.close();
  }

  // ====================================================================== security

  getAuthToken(userID: string, cred: string): Promise<string> {
    return this.security.getAuthToken(userID, cred);
  }

  discardAuthToken(authInfo: string | undefined): Promise<void> {
    return this.security.discardAuthToken(authInfo);
  }

  /**
   * A publisher with `department` may publish in that department's partition of the federation
   * domain (and in partitions of its own outside it); without, it is a plain UDDI publisher that may
   * hold nothing under the federation domain.
   */
  createPublisher(username: string, password: string, options: { department?: string } = {}): Promise<PublisherInfo> {
    return this.security.createPublisher(username, password, options);
  }

  /** Assigns (or with undefined, withdraws) the department a publisher acts for. */
  setPublisherDepartment(username: string, department: string | undefined): Promise<PublisherInfo> {
    return this.security.setPublisherDepartment(username, department);
  }

  getPublisher(username: string): Promise<PublisherInfo | undefined> {
    return this.security.getPublisher(username);
  }

  setPublisherPassword(username: string, password: string): Promise<void> {
    return this.security.setPublisherPassword(username, password);
  }

  /** The publisher an authInfo stands for. */
  authenticate(authInfo: string | undefined, operation: string): Promise<string> {
    return this.core.authenticate(authInfo, operation);
  }

  // ====================================================================== inquiry

  findBusiness(request: FindBusinessRequest): Promise<ListResult<BusinessInfo>> {
    return this.inquiry.findBusiness(request);
  }

  findService(request: FindServiceRequest): Promise<ListResult<ServiceInfo>> {
    return this.inquiry.findService(request);
  }

  findBinding(request: FindBindingRequest): Promise<ListResult<BindingTemplate>> {
    return this.inquiry.findBinding(request);
  }

  findTModel(request: FindTModelRequest): Promise<ListResult<TModelInfo>> {
    return this.inquiry.findTModel(request);
  }

  getBusinessDetail(businessKeys: readonly string[]): Promise<BusinessEntity[]> {
    return this.inquiry.getBusinessDetail(businessKeys);
  }

  getServiceDetail(serviceKeys: readonly string[]): Promise<BusinessService[]> {
    return this.inquiry.getServiceDetail(serviceKeys);
  }

  getBindingDetail(bindingKeys: readonly string[]): Promise<BindingTemplate[]> {
    return this.inquiry.getBindingDetail(bindingKeys);
  }

  /** Logically deleted tModels are returned too, with deleted="true" (UDDI v3 §5.2.8). */
  getTModelDetail(tModelKeys: readonly string[]): Promise<TModel[]> {
    return this.inquiry.getTModelDetail(tModelKeys);
  }

  getOperationalInfo(entityKeys: readonly string[]): Promise<OperationalInfo[]> {
    return this.inquiry.getOperationalInfo(entityKeys);
  }

  // ====================================================================== publication

  saveBusiness(authInfo: string | undefined, entities: readonly BusinessEntity[]): Promise<BusinessEntity[]> {
    return this.publication.saveBusiness(authInfo, entities);
  }

  saveService(authInfo: string | undefined, services: readonly BusinessService[]): Promise<BusinessService[]> {
    return this.publication.saveService(authInfo, services);
  }

  saveBinding(authInfo: string | undefined, bindings: readonly BindingTemplate[]): Promise<BindingTemplate[]> {
    return this.publication.saveBinding(authInfo, bindings);
  }

  saveTModel(authInfo: string | undefined, tModels: readonly TModel[]): Promise<TModel[]> {
    return this.publication.saveTModel(authInfo, tModels);
  }

  /** Deletes the businesses with their services and bindings. */
  deleteBusiness(authInfo: string | undefined, businessKeys: readonly string[]): Promise<void> {
    return this.publication.deleteBusiness(authInfo, businessKeys);
  }

  deleteService(authInfo: string | undefined, serviceKeys: readonly string[]): Promise<void> {
    return this.publication.deleteService(authInfo, serviceKeys);
  }

  deleteBinding(authInfo: string | undefined, bindingKeys: readonly string[]): Promise<void> {
    return this.publication.deleteBinding(authInfo, bindingKeys);
  }

  /**
   * A logical delete (UDDI v3 §5.2.8): the tModel stays retrievable with get_tModelDetail, marked
   * deleted="true", because other entities may still reference it; find_tModel no longer finds it.
   */
  deleteTModel(authInfo: string | undefined, tModelKeys: readonly string[]): Promise<void> {
    return this.publication.deleteTModel(authInfo, tModelKeys);
  }

  /** What a publisher owns: its businesses, and its tModels (all, only the deleted, or only the live ones). */
  getRegisteredInfo(authInfo: string | undefined, infoSelection: 'all' | 'hidden' | 'visible' = 'all'): Promise<RegisteredInfo> {
    return this.publication.getRegisteredInfo(authInfo, infoSelection);
  }

  // ====================================================================== bulk

  /**
   * Creates the tModels the hub owns (HUB_OWNER) — the federation's key generators and shared
   * interflow:* tModels — or takes them over from whoever saved them before this rule existed.
   * Idempotent: a tModel already the hub's and unchanged is left alone. Only keys the federation
   * rules give the hub are accepted.
   */
  claimForHub(tModels: readonly TModel[]): Promise<{ created: string[]; claimed: Array<{ key: string; from: string }>; unchanged: string[] }> {
    return this.bulk.claimForHub(tModels);
  }

  /**
   * Entries of the federation domain whose owner the partition rules would no longer let change
   * them: saved by another department's publisher (or a plain one) before the rules existed. They
   * stay readable — and trusted by binders if they are a department's business — until their
   * owner deletes them, so the hub reports them at start-up.
   */
  federationLeftovers(): Promise<Array<{ key: string; kind: EntityKind; owner: string; reason: string }>> {
    return this.bulk.federationLeftovers();
  }

  /**
   * Inserts new businesses (with their services and bindings) for `owner` without the checks a
   * publisher's save goes through, in batches: for loading a registry, and for benchmarks.
   */
  importBusinesses(owner: string, entities: readonly BusinessEntity[]): Promise<BusinessEntity[]> {
    return this.bulk.importBusinesses(owner, entities);
  }
}

/** Creates a publisher: the administrator's way in (the CLI calls this). */
export async function createPublisher(store: RegistryStore, username: string, password: string, options: { department?: string } = {}): Promise<PublisherInfo> {
  return store.createPublisher(username, password, options);
}
