/** The UDDI v3 registry (docs/registry.md). */
export { RegistryStore, createPublisher, tokenTtlFromEnv, DEFAULT_MAX_ROWS, DEFAULT_TOKEN_TTL_SECONDS } from './registry-store';
export type { RegistryOptions, PublisherInfo } from './registry-store';
export { FederationPartitions, HUB_OWNER, departmentCode } from './federation';
export type { FederationPartition, PublisherIdentity } from './federation';
export { createRegistryServices, UDDI_INQUIRY_PATH, UDDI_PUBLICATION_PATH, UDDI_SECURITY_PATH } from './soap-services';
export type { RegistryServiceOptions } from './soap-services';
export { UddiError, uddiError, UDDI_ERRORS } from './errors';
export type { UddiErrorCode, UddiKeyType } from './errors';
export { DEFAULT_NODE_DOMAIN, nodeDomainFromEnv } from './keys';
export { hashPassword, verifyPassword } from './passwords';
/** The registry's repository port: src/persistence implements it on the engine's database. */
export type { RegistryRepository, RegistryTx, StoredEntity, FindQuery, EntityKind, BagCriterion, MatchOptions, PublisherRecord, TokenRecord } from './repository';
/** Find-qualifier matching, shared with the repository's implementation. */
export * as findQualifiers from './find-qualifiers';
export * from './model';
export { DEFAULT_FEDERATION_DOMAIN, federationDomainFromEnv, keySegment } from './federation';
/** The UDDI v3 reading and writing helpers, for the registry client (binding). */
export * as uddiRead from './xml-read';
export * as uddiWrite from './xml-write';
