import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AuthenticationError, createAuthenticator, type Authenticator } from '../../../src/services/security';
import { ADMIN_PASSWORD, CLERK_PASSWORD, config } from './support';

// node-soap, a real SOAP client, sends requests over HTTP to a bare test server that authenticates
// them the way the SOAP layer will: raw envelope text as soapHeader, the Authorization header, and
// `secure` as express's req.secure would say. The server answers 401 + WWW-Authenticate when the
// error carries a challenge, else a SOAP 1.1 fault.

interface SoapClient {
  EchoAsync(args: object): Promise<[{ Caller: string }]>;
  setSecurity(security: unknown): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const soap = require('soap') as {
  createClientAsync(wsdl: string, options: object): Promise<SoapClient>;
  WSSecurity: new (u: string, p: string, o: object) => unknown;
  BasicAuthSecurity: new (u: string, p: string) => unknown;
};

describe('security: interop with node-soap\'s client over HTTP', () => {
  let server: Server;
  let endpoint: string;
  let authenticator: Authenticator;
  let pretendTls = false;
  const seen: Array<{ status: number; authenticate?: string }> = [];

  before(async () => {
    authenticator = createAuthenticator(config({ services: { ProcessService: 'wss-or-basic', '*': 'wss' } }));
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const reply = (status: number, xml: string, headers: Record<string, string> = {}) => {
          seen.push({ status, authenticate: headers['WWW-Authenticate'] });
          res.writeHead(status, { 'Content-Type': 'text/xml; charset=utf-8', ...headers });
          res.end(xml);
        };
        try {
          const caller = (await authenticator.authenticate({ serviceName: 'ProcessService', soapHeader: body, authorization: req.headers.authorization, secure: pretendTls }));
          reply(
            200,
            `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><EchoResponse xmlns="urn:interflow:test:echo"><Caller>${caller.username}/${caller.via}</Caller></EchoResponse></soap:Body></soap:Envelope>`,
          );
        } catch (e) {
          if (!(e instanceof AuthenticationError)) throw e;
          reply(
            e.httpStatus ?? 500,
            `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>${e.message}</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
            e.challenge ? { 'WWW-Authenticate': e.challenge } : {},
          );
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/ProcessService`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    pretendTls = false;
    seen.length = 0;
  });

  async function client(security?: unknown): Promise<SoapClient> {
    const c = await soap.createClientAsync(join(__dirname, 'fixtures', 'echo.wsdl'), { endpoint });
    if (security) c.setSecurity(security);
    return c;
  }

  it('WSSecurity PasswordDigest: accepted, twice in a row (each request has a fresh nonce)', async () => {
    const c = await client(new soap.WSSecurity('clerk-system', CLERK_PASSWORD, { passwordType: 'PasswordDigest', hasTimeStamp: false }));
    const [first] = await c.EchoAsync({ Text: 'hello' });
    const [second] = await c.EchoAsync({ Text: 'again' });
    expect(first.Caller).to.equal('clerk-system/wss');
    expect(second.Caller).to.equal('clerk-system/wss');
  });

  it('WSSecurity with a wrong password: a fault saying only "authentication failed"', async () => {
    const c = await client(new soap.WSSecurity('clerk-system', 'wrong-password-xyz', { passwordType: 'PasswordDigest' }));
    const err = await c.EchoAsync({ Text: 'hello' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).to.be.instanceOf(Error);
    expect(String(err?.message)).to.contain('authentication failed');
    expect(seen[0]!.status).to.equal(500);
  });

  it('BasicAuthSecurity: accepted over TLS, refused over plain HTTP', async () => {
    const c = await client(new soap.BasicAuthSecurity('ops', ADMIN_PASSWORD));
    pretendTls = true;
    const [res] = await c.EchoAsync({ Text: 'hello' });
    expect(res.Caller).to.equal('ops/basic');
    pretendTls = false;
    const err = await c.EchoAsync({ Text: 'hello' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(String(err?.message)).to.contain('only over HTTPS');
  });

  it('no credentials over TLS: 401 with a Basic challenge, as HTTP clients that wait for one expect', async () => {
    pretendTls = true;
    const c = await client();
    const err = await c.EchoAsync({ Text: 'hello' }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).to.be.instanceOf(Error);
    expect(seen[0]).to.deep.equal({ status: 401, authenticate: 'Basic realm="Interflow", charset="UTF-8"' });
  });
});
