import { AuthenticationError, AuthorizationError, AuthThrottle, throttledMessage, wsseSubcode, type Authenticator, type Throttled } from '../security';
import { SoapFault, type SoapAuthenticator, type SoapContext } from '../soap';

/** The security module names services by their mode keys (docs/security.md), not by our service names. */
const SECURITY_NAMES: Readonly<Record<string, string>> = {
  ProcessService: 'ProcessService',
  WfXmlFactory: 'wfxml/factory',
  WfXmlInstance: 'wfxml/instance',
  WfXmlObserver: 'wfxml/observer',
};

export function securityServiceName(service: string): string {
  return SECURITY_NAMES[service] ?? service;
}

/**
 * Runs the authenticator on every SOAP request. It gets the raw envelope, so it checks the
 * WS-Security namespaces itself; "secure" is whether the caller reached us over TLS (directly, or
 * through a trusted proxy: the same judgement that builds ctx.baseUrl).
 */
export function authenticateWith(authenticator: Authenticator, throttle: AuthThrottle = new AuthThrottle()): SoapAuthenticator {
  return async (ctx: SoapContext) => {
    const address = ctx.remoteAddress;
    const blocked = await throttle.check({ address });
    if (blocked) throw throttledFault(ctx, blocked);
    let caller;
    try {
      caller = await authenticator.authenticate({
        serviceName: securityServiceName(ctx.service),
        headerBlocks: ctx.headerBlocks,
        authorization: ctx.httpHeaders.authorization,
        secure: ctx.baseUrl.startsWith('https:'),
      });
    } catch (e) {
      if (e instanceof AuthenticationError) {
        // The reason says which user and why; it is for the operator, never for the caller.
        ctx.log.warn({ code: e.code, reason: e.reason, securityService: e.serviceName, username: e.username }, 'authentication failed');
        if (e.code === 'failed' || e.code === 'conflict') {
          const before = await throttle.check({ user: e.username, address });
          await throttle.fail({ user: e.username, address });
          if (before) throw throttledFault(ctx, before);
        }
      }
      throw e;
    }
    // A throttled user is refused even with the right password: a guesser learns nothing.
    const userBlocked = caller.via === 'anonymous' ? undefined : await throttle.check({ user: caller.username });
    if (userBlocked) {
      await throttle.fail({ address });
      throw throttledFault(ctx, userBlocked);
    }
    return caller;
  };
}

/** 429 with Retry-After, and the wait in the fault text. */
export function throttledFault(ctx: Pick<SoapContext, 'log' | 'remoteAddress'>, t: Throttled): SoapFault {
  ctx.log.warn({ address: ctx.remoteAddress, by: t.by, retryAfterSeconds: t.retryAfterSeconds }, 'authentication throttled');
  return new SoapFault('Client', throttledMessage(t), 'THROTTLED', { httpStatus: 429, httpHeaders: { 'Retry-After': String(t.retryAfterSeconds) } });
}

/** Authentication and permission errors as faults, per docs/security.md. */
export function securityFault(error: unknown): SoapFault | undefined {
  if (error instanceof AuthenticationError) {
    return new SoapFault(error.isServerError ? 'Server' : 'Client', error.message, error.isServerError ? 'UNAVAILABLE' : 'UNAUTHENTICATED', {
      ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
      ...(error.challenge ? { httpHeaders: { 'WWW-Authenticate': error.challenge } } : {}),
      ...(error.wsseFault ? { subcode: wsseSubcode(error.wsseFault) } : {}),
    });
  }
  if (error instanceof AuthorizationError) return new SoapFault('Client', error.message, 'FORBIDDEN');
  return undefined;
}
