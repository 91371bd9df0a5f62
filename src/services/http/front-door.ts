import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { SoapEndpoint } from '../soap';

/**
 * Routes a POST to a SOAP endpoint's exact path straight to it, and every other request to `app`
 * (express). Express's per-request work (its request and response prototypes, a dozen router
 * layers, path matching) was about a sixth of a SOAP echo's CPU (bench/services); a SOAP request
 * needs none of it. What the express stack does for every request is done here too: a request id
 * echoed as X-Request-Id and `nosniff`. Only exact paths are routed here (a trailing slash, a path
 * with :params or another spelling reaches the same service through express).
 */
export class SoapFrontDoor {
  private readonly endpoints = new Map<string, SoapEndpoint>();

  constructor(private readonly app: RequestListener) {}

  /** Takes the endpoint if its path is plain; later additions take effect on the next request. */
  add(endpoint: SoapEndpoint): void {
    if (endpoint.exact && !this.endpoints.has(endpoint.path)) this.endpoints.set(endpoint.path, endpoint);
  }

  readonly listener: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST') {
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const endpoint = this.endpoints.get(q === -1 ? url : url.slice(0, q));
      if (endpoint) {
        const requestId = randomUUID();
        res.setHeader('X-Request-Id', requestId);
        res.setHeader('X-Content-Type-Options', 'nosniff');
        endpoint.post(req, res, requestId);
        return;
      }
    }
    this.app(req, res);
  };
}
