import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { WorkflowEngine } from '../../src/engine';
import { importXpdl } from '../../src/xpdl';
import { bodyElement, canonical, fillPlaceholders, normaliseVolatile, pretty, schemaErrors } from './golden-support';
import { post, SOAP12, startTestServer } from './support';

const ROOT = resolve(__dirname, '../golden/process-service');
const XSD = resolve(__dirname, '../../wsdl/process-service.xsd');
/** UPDATE_GOLDEN=1 npx mocha test/services/golden.test.ts rewrites response.xml from what the server says. */
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/**
 * The state every golden request runs against, built fresh for each operation so that the folders
 * stay independent: the golden_review process deployed, and one running case waiting for its
 * clerk's review.
 */
async function scenario(engine: WorkflowEngine): Promise<Record<string, string>> {
  const xml = readFileSync(join(ROOT, 'scenario.xpdl'), 'utf8');
  await engine.deploy(importXpdl(xml), { source: xml, actor: 'golden' });
  const inst = await engine.startProcess('golden_review', { subject: 'Golden case', data: { caseRef: 'GC-1', amount: '1200' }, actor: 'clerk1' });
  return { instanceId: inst.id, workItemId: inst.workItems[0].id };
}

/**
 * What RetryActivity and DeliverMessage act on (operators.xpdl): a payment case whose charge failed
 * — no handler was registered — while it waits for the bank's "payment" message. The handler is
 * registered afterwards, so a retry succeeds.
 */
async function operatorScenario(engine: WorkflowEngine): Promise<Record<string, string>> {
  const xml = readFileSync(join(ROOT, 'operators.xpdl'), 'utf8');
  await engine.deploy(importXpdl(xml), { source: xml, actor: 'golden' });
  const inst = await engine.startProcess('golden_payment', { actor: 'clerk1' });
  const failed = inst.openActivities.find((a) => a.state === 'failed');
  if (!failed) throw new Error('the operator scenario expects the charge to fail');
  engine.handlers.register('golden_charge', () => ({}));
  return { paymentId: inst.id, failedActivityInstanceId: failed.activityInstanceId };
}

const OPERATOR_OPERATIONS = new Set(['RetryActivity', 'DeliverMessage']);

const operations = readdirSync(ROOT).filter((name) => statSync(join(ROOT, name)).isDirectory()).sort();

/**
 * Golden files (test/golden/process-service/<Operation>/): each request.xml is posted as is, with
 * the scenario's ids filled in; the response must equal response.xml once ids and timestamps are
 * replaced by placeholders, and both Body elements must be valid against the published schema.
 * They pin the wire format callers generated code against.
 */
describe('ProcessService golden files', () => {
  it('has a folder for every operation of the WSDL', () => {
    const wsdl = readFileSync(resolve(__dirname, '../../wsdl/process-service.wsdl'), 'utf8');
    const declared = [...wsdl.matchAll(/<wsdl:operation name="(\w+)">\s*<wsdl:documentation>/g)].map((m) => m[1]).sort();
    expect(operations).to.deep.equal(declared);
  });

  for (const operation of operations) {
    it(operation, async () => {
      const dir = join(ROOT, operation);
      const srv = await startTestServer();
      try {
        const vars = { ...(await scenario(srv.engine)), ...(OPERATOR_OPERATIONS.has(operation) ? await operatorScenario(srv.engine) : {}) };
        const request = fillPlaceholders(readFileSync(join(dir, 'request.xml'), 'utf8'), vars);
        expect(schemaErrors(XSD, bodyElement(request)), 'request.xml Body is schema-valid').to.equal(undefined);
        const version = request.includes(SOAP12) ? '1.2' : '1.1';
        const res = await post(srv.endpoint, request, { 'Content-Type': version === '1.2' ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8' });
        expect(res.status, res.body).to.equal(200);
        expect(schemaErrors(XSD, bodyElement(res.body)), `response Body is schema-valid:\n${res.body}`).to.equal(undefined);
        const actual = normaliseVolatile(res.body, vars);
        const file = join(dir, 'response.xml');
        if (UPDATE || !existsSync(file)) writeFileSync(file, pretty(actual));
        expect(canonical(actual)).to.equal(canonical(readFileSync(file, 'utf8')));
      } finally {
        await srv.close();
      }
    });
  }
});
