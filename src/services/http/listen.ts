import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import type { TlsFiles } from './tls-options';

export interface ListenOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  tls?: TlsFiles;
  /** How long close() waits for requests in flight before cutting connections. */
  shutdownGraceMs?: number;
}

export interface RunningServer {
  server: Server;
  /** scheme://host:port actually bound. */
  url: string;
  close(): Promise<void>;
}

/** Starts HTTP, or HTTPS when a certificate and key are configured. */
export async function listen(handler: RequestListener, options: ListenOptions): Promise<RunningServer> {
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createHttpServer(handler);
  // Legacy clients keep connections open between calls; shorter than typical client idle timeouts
  // would make them hit closed sockets.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    server,
    url,
    close: () => (closing ??= stop(server, options.shutdownGraceMs ?? 10_000)),
  };
}

/** Stops accepting, lets requests in flight finish, then cuts whatever is left. */
function stop(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    // Keep-alive connections become idle as their last response goes out; close() only closes the
    // ones idle at the moment it is called, so the others are swept until none is left.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    sweep.unref();
    server.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}
