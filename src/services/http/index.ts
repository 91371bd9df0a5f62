export { listen } from './listen';
export type { ListenOptions, RunningServer } from './listen';
export { tlsFromEnv } from './tls-options';
export type { TlsFiles } from './tls-options';
export { authenticateWith, securityFault, securityServiceName } from './security-hooks';
export { checkExposure, isLoopback } from './exposure';
export { errorHandler, notFound } from './fallback-routes';
export { requestLog } from './request-log';
export { SoapFrontDoor } from './front-door';
