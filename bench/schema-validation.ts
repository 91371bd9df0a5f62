/**
 * bench/schema-validation — what request validation (docs/contract.md) adds to a SOAP request:
 * validations per second of a StartProcess Body against the compiled process-service.xsd, beside
 * parsing the same envelope (the work every request does anyway), in one process, one run.
 * Run: npx tsx bench/schema-validation.ts
 */
import { resolve } from 'node:path';
import { parseEnvelope } from '../src/services/soap/envelope-parser';
import { compiledSchemaFor, validateElement } from '../src/services/soap/schema';

const WSDL = resolve(__dirname, '../wsdl');
const items = Array.from({ length: 10 }, (_, i) => `<Item><Name>field${i}</Name><Value>value ${i}</Value></Item>`).join('');
const ENVELOPE = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><StartProcess xmlns="urn:interflow:process-service:1"><ProcessDefinitionId>one_step</ProcessDefinitionId><Subject>bench</Subject><Data>${items}</Data><ClientKey>urn:bench:1</ClientKey></StartProcess></soap:Body></soap:Envelope>`;

function rate(label: string, fn: () => void, seconds = 2): number {
  for (let i = 0; i < 2000; i++) fn(); // warm up
  const end = process.hrtime.bigint() + BigInt(seconds * 1e9);
  let n = 0;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
  }
  const perSecond = n / seconds;
  console.log(`${label.padEnd(44)} ${Math.round(perSecond).toLocaleString('en')} /s  (${(1e6 / perSecond).toFixed(2)} µs each)`);
  return perSecond;
}

const schema = compiledSchemaFor({ file: resolve(WSDL, 'process-service.wsdl'), schemas: { 'process-service.xsd': resolve(WSDL, 'process-service.xsd') } });
const type = schema.element('urn:interflow:process-service:1', 'StartProcess')!;
const parsed = parseEnvelope(ENVELOPE);
validateElement(type, parsed.body, 'StartProcess'); // valid, or this throws

const parse = rate('parse the envelope (fast-xml-parser)', () => parseEnvelope(ENVELOPE));
const validate = rate('validate the parsed StartProcess (10 items)', () => validateElement(type, parsed.body, 'StartProcess'));
console.log(`validation costs ${((parse / validate) * 100).toFixed(1)} % of a parse`);
