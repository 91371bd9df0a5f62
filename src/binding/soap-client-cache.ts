import * as soap from 'soap';

const MAX_CLIENTS = 256;

/**
 * node-soap clients for bound endpoints, for callers that want a generated-style client (a
 * department's ProcessService, say). Parsing a WSDL is the expensive part (tens of milliseconds and
 * a round trip), so parsed WSDLs are kept per WSDL identity — the binding tModel's key when the
 * registry gives one, else the WSDL URL — and a client per endpoint address is a cheap object on
 * top. An endpoint that moves therefore gets a new client without fetching its WSDL again.
 */
export class SoapClientCache {
  private readonly wsdls = new Map<string, Promise<soap.WSDL>>();
  private readonly clients = new Map<string, soap.Client>();

  constructor(private readonly options: soap.IOptions = {}) {}

  async clientFor(wsdlUrl: string, endpointUrl: string, wsdlKey: string = wsdlUrl): Promise<soap.Client> {
    const clientKey = `${wsdlKey}\n${endpointUrl}`;
    const cached = this.clients.get(clientKey);
    if (cached) return cached;
    let wsdl = this.wsdls.get(wsdlKey);
    if (!wsdl) {
      wsdl = soap.createClientAsync(wsdlUrl, { ...this.options, disableCache: true }).then((c) => c.wsdl);
      this.wsdls.set(wsdlKey, wsdl);
      // A WSDL that could not be fetched is asked for again next time, not remembered as failed.
      wsdl.catch(() => this.wsdls.delete(wsdlKey));
    }
    const client = new soap.Client(await wsdl, endpointUrl, this.options);
    // Endpoints move; clients of addresses long gone should not pile up.
    if (this.clients.size >= MAX_CLIENTS) this.clients.clear();
    this.clients.set(clientKey, client);
    return client;
  }

  /** Parsed WSDLs held (for tests and stats). */
  get size(): number {
    return this.wsdls.size;
  }

  clear(): void {
    this.wsdls.clear();
    this.clients.clear();
  }
}
