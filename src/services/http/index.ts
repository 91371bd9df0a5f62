export { createServer } from './create-server';
export type { ServerOptions, InterflowServer } from './create-server';
export { listen } from './listen';
export type { ListenOptions, RunningServer } from './listen';
export { tlsFromEnv } from './tls-options';
export { serve } from './serve';
export type { ServeOptions } from './serve';
export type { TlsFiles } from './tls-options';
export { authenticateWith, securityFault, securityServiceName } from './security-hooks';
