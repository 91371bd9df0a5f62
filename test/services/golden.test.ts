import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bodyElement, compareWithGolden, faultShapeErrors, fillPlaceholders, GOLDEN_ROOT, goldenCoverage, goldenUpdate, normaliseVolatile, schemaErrors, wsdlOperations } from './golden-support';
import { GOLDEN_SERVICES } from './golden-worlds';
import { post, SOAP12 } from './support';

/**
 * Golden files (test/golden/<service>/<Operation>__<case>/): every operation of every WSDL the
 * servers publish has at least one folder. Each request.xml is posted as is, with the world's ids
 * filled in; the response must equal response.xml once ids, addresses and timestamps are replaced
 * by placeholders. A request the schema refuses (xmllint) must be answered with a Client fault; a
 * reply must be schema-valid, a fault well formed. A missing folder or response.xml fails the run;
 * INTERFLOW_GOLDEN_UPDATE=1 writes response.xml from what the server says (docs/contract.md).
 */
describe('golden files of every service', function () {
  this.timeout(60_000);
  const update = goldenUpdate();

  for (const service of GOLDEN_SERVICES) {
    const root = join(GOLDEN_ROOT, service.folder);
    const folders = existsSync(root) ? readdirSync(root).filter((name) => statSync(join(root, name)).isDirectory()).sort() : [];

    describe(service.folder, () => {
      it(`has a golden folder (Operation__case) for every operation of ${service.wsdl.split('/').pop()}`, () => {
        const operations = wsdlOperations(service.wsdl);
        expect(operations.length, 'the WSDL declares operations').to.be.greaterThan(0);
        const { missing, strays } = goldenCoverage(operations, folders);
        expect(missing, `operations without a golden folder: add test/golden/${service.folder}/<Operation>__<case>/request.xml, then run with INTERFLOW_GOLDEN_UPDATE=1`).to.deep.equal([]);
        expect(strays, 'folders that name no operation of the WSDL, or are not named Operation__case').to.deep.equal([]);
      });

      for (const folder of folders) {
        it(folder, async () => {
          const dir = join(root, folder);
          const settings = existsSync(join(dir, 'case.json')) ? (JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Record<string, string>) : {};
          const world = await service.start(settings);
          try {
            const operation = folder.split('__')[0];
            const request = fillPlaceholders(readFileSync(join(dir, 'request.xml'), 'utf8'), world.vars);
            const requestErrors = service.schemas.length ? schemaErrors(service.schemas, bodyElement(request)) : undefined;
            const version = request.includes(SOAP12) ? '1.2' : '1.1';
            const res = await post(world.baseUrl + service.path(operation, world.vars), request, {
              'Content-Type': version === '1.2' ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8',
              ...(world.headers ?? {}),
            });
            // The UDDI delete_xx and discard_authToken replies are an empty Body (the portType's empty message).
            const empty = /<(?:[\w.-]+:)?Body\s*\/>|<(?:[\w.-]+:)?Body>\s*<\/(?:[\w.-]+:)?Body>/.test(res.body);
            const isFault = !empty && /^<(?:[\w.-]+:)?Fault[\s>]/.test(bodyElement(res.body));
            if (requestErrors !== undefined) {
              expect(isFault, `xmllint refuses request.xml, so the server must too:\n${requestErrors}\ngot:\n${res.body}`).to.equal(true);
              expect(res.body, 'a schema refusal is the caller\'s to fix').to.match(version === '1.1' ? /<faultcode[^>]*>[^<]*Client</ : /<soap:Value>soap:Sender</);
            }
            if (isFault) {
              const declaredDetail = service.schemas.length ? (detail: string) => schemaErrors(service.schemas, detail) : undefined;
              expect(faultShapeErrors(res.body, version, declaredDetail), res.body).to.deep.equal([]);
              expect(res.status, res.body).to.be.oneOf(version === '1.1' ? [500, 401, 403, 404, 429] : [400, 401, 403, 404, 429, 500]);
            } else {
              expect(res.status, res.body).to.equal(200);
              if (service.schemas.length && !empty) expect(schemaErrors(service.schemas, bodyElement(res.body)), `response Body is schema-valid:\n${res.body}`).to.equal(undefined);
            }
            compareWithGolden(join(dir, 'response.xml'), normaliseVolatile(res.body, world.vars), update);
          } finally {
            await world.close();
          }
        });
      }
    });
  }
});
