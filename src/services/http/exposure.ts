import { isIP } from 'node:net';

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * HTTP Basic over plain HTTP (allowInsecureBasic, or the demo) is for a listener on loopback only:
 * anywhere else the passwords would cross the network in clear. One line, naming the setting.
 */
export function checkExposure(host: string, tls: boolean, allowsInsecureBasic: boolean): void {
  if (allowsInsecureBasic && !tls && !isLoopback(host)) {
    throw new Error(
      `refusing to listen on ${host} over plain HTTP while HTTP Basic is accepted without TLS ("allowInsecureBasic"): passwords would cross the network in clear; listen on 127.0.0.1 (--host / INTERFLOW_HOST), serve HTTPS (INTERFLOW_TLS_CERT and INTERFLOW_TLS_KEY), or remove "allowInsecureBasic" from the users file`,
    );
  }
}
