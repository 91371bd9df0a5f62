/**
 * The UDDI v3 data model (uddi_v3.xsd, urn:uddi-org:api_v3), as plain data. Field order follows the
 * schema's sequences, because the XML writer emits them in this order and clients generated from
 * the official WSDL reject elements out of sequence. Keys are stored and returned lower-cased: the
 * schema declares uddiKey case-folded (scc14n:caseMapKind="fold").
 */

export const UDDI_NS = 'urn:uddi-org:api_v3';

/** A name, description or personName: text with an optional xml:lang. */
export interface LocalizedText {
  value: string;
  lang?: string;
}

/** Text with an optional useType (accessPoint, overviewURL, discoveryURL, email, phone). */
export interface TypedText {
  value: string;
  useType?: string;
}

export interface KeyedReference {
  tModelKey: string;
  keyName?: string;
  keyValue: string;
}

export interface KeyedReferenceGroup {
  tModelKey: string;
  keyedReferences: KeyedReference[];
}

export interface CategoryBag {
  keyedReferences: KeyedReference[];
  keyedReferenceGroups: KeyedReferenceGroup[];
}

export interface OverviewDoc {
  descriptions: LocalizedText[];
  overviewURL?: TypedText;
}

export interface InstanceDetails {
  descriptions: LocalizedText[];
  overviewDocs: OverviewDoc[];
  instanceParms?: string;
}

export interface TModelInstanceInfo {
  tModelKey: string;
  descriptions: LocalizedText[];
  instanceDetails?: InstanceDetails;
}

export interface AddressLine {
  value: string;
  keyName?: string;
  keyValue?: string;
}

export interface Address {
  lang?: string;
  useType?: string;
  sortCode?: string;
  tModelKey?: string;
  addressLines: AddressLine[];
}

export interface Contact {
  useType?: string;
  descriptions: LocalizedText[];
  personNames: LocalizedText[];
  phones: TypedText[];
  emails: TypedText[];
  addresses: Address[];
}

export interface BindingTemplate {
  bindingKey?: string;
  serviceKey?: string;
  descriptions: LocalizedText[];
  /** Exactly one of accessPoint and hostingRedirector. */
  accessPoint?: TypedText;
  hostingRedirector?: { bindingKey: string };
  tModelInstanceDetails: TModelInstanceInfo[];
  categoryBag?: CategoryBag;
}

export interface BusinessService {
  serviceKey?: string;
  businessKey?: string;
  names: LocalizedText[];
  descriptions: LocalizedText[];
  bindingTemplates: BindingTemplate[];
  categoryBag?: CategoryBag;
}

export interface BusinessEntity {
  businessKey?: string;
  discoveryURLs: TypedText[];
  names: LocalizedText[];
  descriptions: LocalizedText[];
  contacts: Contact[];
  businessServices: BusinessService[];
  identifierBag: KeyedReference[];
  categoryBag?: CategoryBag;
}

export interface TModel {
  tModelKey?: string;
  deleted?: boolean;
  name: LocalizedText;
  descriptions: LocalizedText[];
  overviewDocs: OverviewDoc[];
  identifierBag: KeyedReference[];
  categoryBag?: CategoryBag;
}

/** The same structures once saved: every key is present. */
export type Saved<T> = T & Required<Pick<T, Extract<keyof T, 'businessKey' | 'serviceKey' | 'bindingKey' | 'tModelKey'>>>;

export interface ListDescription {
  includeCount: number;
  actualCount: number;
  listHead: number;
}

export interface ServiceInfo {
  serviceKey: string;
  businessKey: string;
  names: LocalizedText[];
}

export interface BusinessInfo {
  businessKey: string;
  names: LocalizedText[];
  descriptions: LocalizedText[];
  serviceInfos: ServiceInfo[];
}

export interface TModelInfo {
  tModelKey: string;
  name: LocalizedText;
  descriptions: LocalizedText[];
}

export interface ListResult<T> {
  listDescription: ListDescription;
  /** More rows matched than were returned (maxRows, or the node's own limit). */
  truncated: boolean;
  items: T[];
}

export interface OperationalInfo {
  entityKey: string;
  created: Date;
  modified: Date;
  modifiedIncludingChildren: Date;
  nodeID: string;
  authorizedName: string;
}

/** What every find_xx accepts besides its own criteria. */
export interface FindCommon {
  findQualifiers?: string[];
  maxRows?: number;
  listHead?: number;
}

export interface FindTModelRequest extends FindCommon {
  name?: LocalizedText;
  identifierBag?: KeyedReference[];
  categoryBag?: CategoryBag;
}

export interface FindBusinessRequest extends FindCommon {
  names?: LocalizedText[];
  identifierBag?: KeyedReference[];
  categoryBag?: CategoryBag;
  tModelBag?: string[];
  findTModel?: FindTModelRequest;
  discoveryURLs?: TypedText[];
  /** find_relatedBusinesses nested in find_business: refused with E_unsupported. */
  findRelatedBusinesses?: boolean;
}

export interface FindServiceRequest extends FindCommon {
  businessKey?: string;
  names?: LocalizedText[];
  categoryBag?: CategoryBag;
  tModelBag?: string[];
  findTModel?: FindTModelRequest;
}

export interface FindBindingRequest extends FindCommon {
  serviceKey?: string;
  tModelBag?: string[];
  findTModel?: FindTModelRequest;
  categoryBag?: CategoryBag;
}

export interface RegisteredInfo {
  businessInfos: BusinessInfo[];
  tModelInfos: TModelInfo[];
}
