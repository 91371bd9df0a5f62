/** Dynamic binding and self-registration (docs/registry.md, "How Interflow maps onto UDDI"). */
export { Binder, DEFAULT_CACHE_TTL_SECONDS } from './binder';
export type { BinderOptions, BinderStats, BindingTarget, ServiceType } from './binder';
export { BindingError } from './binding-error';
export type { BindingAttempt, BindingErrorCode } from './binding-error';
export { EndpointFailure, isEndpointFailure } from './endpoint-failure';
export type { DepartmentView, ServiceView, Endpoint } from './department-view';
export { readCertificate, readCertificates, certificateGroup, loadCertificateFile, parseCertificate, fingerprintOf, CertificateError } from './certificate';
export type { PublishedCertificate } from './certificate';
export { departmentEntries, offeredServices, categorisationTModels, hubTModels, SERVICE_TYPES, TRANSFER_SERVICE_OFFERING } from './department-entries';
export type { DepartmentDescription, DepartmentEntries, OfferedService, WsdlDescription } from './department-entries';
export { FederationKeys, federationDomainFromEnv, DEFAULT_FEDERATION_DOMAIN } from './federation-keys';
export { leaseOf, leaseExpired } from './lease';
export { RegistryClient, RegistryUnavailableError } from './registry-client';
export type { RegistryClientOptions } from './registry-client';
export type { UddiInquiry, UddiPublication, UddiNode } from './uddi-api';
export { SelfRegistration } from './self-registration';
export type { SelfRegistrationOptions, RegistrationReport, RegistrationStatus, RegistrationState } from './self-registration';
export { LeaseSweeper } from './lease-sweeper';
export type { LeaseSweeperOptions, WithdrawnBinding } from './lease-sweeper';
export {
  binderFromEnv,
  selfRegistrationFromEnv,
  signingCertificateFromEnv,
  refreshSecondsFromEnv,
  cacheTtlSecondsFromEnv,
  withdrawAfterSecondsFromEnv,
  registryUrlFromEnv,
  DEFAULT_REFRESH_SECONDS,
} from './config';
export type { SelfRegistrationContext } from './config';
export { departmentCodeOf, viewOf } from './department-view';
export { inferFederationKeys, listRegistry } from './registry-listing';
export type { ListedBusiness } from './registry-listing';
export { RemoteFactoryFinder } from './remote-factory';
export type { FactoryTarget, RemoteFactoryFinderOptions } from './remote-factory';
