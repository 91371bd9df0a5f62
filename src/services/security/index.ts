/**
 * Caller authentication and permissions for Interflow's SOAP services (docs/security.md).
 *
 * The SOAP layer builds one authenticator at startup:
 *   const authenticator = createAuthenticator(loadSecurityConfig(), { logger });
 * and, for each request, before dispatch:
 *   const caller = authenticator.authenticate({ serviceName, soapHeader, authorization: req.headers.authorization, secure: req.secure });
 * then checks `canStart` / `canActAs` / `canAdminister` (or `authorize`) in each operation.
 */
export {
  createAuthenticator,
  parseBasicAuthorization,
  type AuthenticateInput,
  type Authenticator,
  type AuthenticatorOptions,
  type SecurityLogger,
} from './authenticator';
export {
  ANONYMOUS_USERNAME,
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_REPLAY_CACHE_SIZE,
  DEFAULT_WSS_WINDOW_SECONDS,
  KNOWN_SERVICES,
  MIN_PASSWORD_LENGTH,
  SERVICE_AUTH_MODES,
  describeSecurity,
  developmentSecurityConfig,
  makeUser,
  serviceMode,
  type Permissions,
  type SecurityConfig,
  type ServiceAuthMode,
  type UserRecord,
} from './config';
export { isProduction, loadSecurityConfig } from './environment';
export { parseSecurityConfig, readUsersFile, serializeUsersFile, writeUsersFile, type ParseOptions } from './users-file';
export { demoSecurityConfig, demoUsers, randomSecret } from './demo-users';
export {
  AuthenticationError,
  AuthorizationError,
  SecurityConfigError,
  WSSE_FAULT_NS,
  wsseSubcode,
  type AuthFailureCode,
  type AuthorizedAction,
  type WsseFaultCode,
} from './errors';
export { authorize, canActAs, canAdminister, canStart, filterByParticipant, visibleParticipants, type Caller } from './permissions';
export { ReplayCache, sharedReplayCache, DEFAULT_REPLAY_CACHE_ENTRIES, type ReplayCacheLike, type ReplayCacheOptions, type RememberResult } from './replay-cache';
export {
  BASE64_BINARY_ENCODING,
  PASSWORD_DIGEST_TYPE,
  PASSWORD_TEXT_TYPE,
  SOAP_HEADER_PARSER_OPTIONS,
  WSSE_NS,
  WSU_NS,
  buildUsernameTokenHeader,
  extractUsernameToken,
  passwordDigest,
  type ParsedHeaderFormat,
  type RawUsernameToken,
  type UsernameTokenOptions,
} from './username-token';
export { AuthThrottle, MemoryThrottleCounts, DEFAULT_THROTTLE, describeWait, throttledMessage, type ThrottleCounts, type ThrottleKeys, type ThrottleOptions, type Throttled } from './throttle';
