import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UDDI_XSD, validateUddi } from '../registry/support';
import { bodyElement, GOLDEN_ROOT, schemaErrors } from './golden-support';

/**
 * The UDDI golden replies against the official uddi_v3.xsd (a public reference file, not part of
 * the product): each reply element, and each fault's dispositionReport; a request the schema
 * refuses must have been answered with a fault. Placeholders are filled
 * with values of the right type first (keys are uddiKey, timestamps xsd:dateTime).
 */
describe('UDDI golden replies are valid against the official uddi_v3.xsd', () => {
  const sample = (xml: string) =>
    xml
      .replace(/\{\{timestamp\}\}/g, '2026-12-02T09:00:00Z')
      .replace(/\{\{uuid\}\}/g, '00000000-0000-4000-8000-000000000000')
      .replace(/\{\{baseUrl\}\}/g, 'http://127.0.0.1:8080')
      .replace(/\{\{(\w+)\}\}/g, (_m, name: string) => `uddi:test.example:${name.toLowerCase()}`);

  for (const api of ['uddi-inquiry', 'uddi-publication', 'uddi-security']) {
    for (const folder of readdirSync(join(GOLDEN_ROOT, api)).sort()) {
      it(`${api}/${folder}`, () => {
        const response = sample(readFileSync(join(GOLDEN_ROOT, api, folder, 'response.xml'), 'utf8'));
        // The node validates UDDI requests itself (src/registry/validate.ts): what the official
        // schema refuses, it must refuse too.
        const requestErrors = schemaErrors(UDDI_XSD, bodyElement(sample(readFileSync(join(GOLDEN_ROOT, api, folder, 'request.xml'), 'utf8'))));
        if (requestErrors !== undefined) expect(response, `uddi_v3.xsd refuses request.xml:\n${requestErrors}`).to.match(/<soap:Fault>/);
        if (/<soap:Body>\s*<\/soap:Body>/.test(response)) {
          expect(folder).to.match(/^(?:delete_|discard_authToken)/, 'only the operations whose reply is the empty message');
          return;
        }
        const detail = /<detail>([\s\S]*)<\/detail>/.exec(response)?.[1];
        validateUddi(detail !== undefined ? detail.trim() : bodyElement(response));
      });
    }
  }
});
