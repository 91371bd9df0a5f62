import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

// A Host header is echoed into WSDL documents; anything but a host name or address and a port is
// refused so a crafted header cannot inject markup or a second URL.
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** INTERFLOW_TRUST_PROXY=1: believe X-Forwarded-Proto/Host (only behind a proxy that sets them). */
export function trustProxyFromEnv(env: NodeJS.ProcessEnv): boolean {
  return env.INTERFLOW_TRUST_PROXY === '1' || env.INTERFLOW_TRUST_PROXY?.toLowerCase() === 'true';
}

/** scheme://host:port as the caller addressed us, so the addresses we publish work for them. */
export function baseUrlOf(req: IncomingMessage, trustProxy: boolean): string {
  let scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  let host = headerValue(req.headers.host);
  if (trustProxy) {
    const proto = headerValue(req.headers['x-forwarded-proto'])?.toLowerCase();
    if (proto === 'http' || proto === 'https') scheme = proto;
    const fwdHost = headerValue(req.headers['x-forwarded-host']);
    if (fwdHost && HOST.test(fwdHost)) host = fwdHost;
  }
  if (!host || !HOST.test(host)) {
    const address = req.socket.localAddress ?? '127.0.0.1';
    host = `${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort}`;
  }
  return `${scheme}://${host}`;
}

/** The first value of a header that proxies may have turned into a comma-separated list. */
function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const comma = v.indexOf(',');
  return (comma === -1 ? v : v.slice(0, comma)).trim() || undefined;
}
