import { expect } from 'chai';
import type { ActivityDef, DefinitionPackage, ProcessDefinition } from '../../src/engine/definition/process-definition';
import { importXpdl } from '../../src/xpdl';
import { readSample } from './xpdl-test-support';

function activity(process: ProcessDefinition, id: string): ActivityDef {
  const found = process.activities.find((a) => a.id === id);
  if (!found) throw new Error(`no activity "${id}" in process "${process.id}"`);
  return found;
}

describe('XPDL import: document_approval.xpdl (XPDL 2.1, Together/JaWE)', () => {
  let pkg: DefinitionPackage;
  let process: ProcessDefinition;

  before(() => {
    pkg = importXpdl(readSample('document_approval.xpdl'));
    process = pkg.processes[0];
  });

  it('reads the package and its one process', () => {
    expect(pkg.id).to.equal('document_approval');
    expect(pkg.name).to.equal('Document approval');
    expect(pkg.processes).to.have.length(1);
    expect(process.id).to.equal('document_approval');
    expect(process.packageId).to.equal('document_approval');
    expect(process).not.to.have.property('version');
    expect(pkg.warnings).to.deep.equal([]);
  });

  it('has all 11 activities, typed', () => {
    expect(process.activities).to.have.length(11);
    const kinds = Object.fromEntries(process.activities.map((a) => [a.id, a.kind]));
    expect(kinds).to.deep.equal({
      create_document: 'manual',
      submit_document: 'manual',
      final_review_document: 'manual',
      publish_document: 'manual',
      update_document: 'manual',
      review_document: 'manual',
      update_reviewer_comment: 'automatic',
      final_review_document1: 'route',
      review_document1: 'route',
      document_approval_act1: 'start',
      document_approval_act2: 'end',
    });
  });

  it('maps the gateways: review_document1 is a route with an XOR split', () => {
    const gateway = activity(process, 'review_document1');
    expect(gateway.kind).to.equal('route');
    expect(gateway.split).to.equal('xor');
    expect(gateway.join).to.equal('none');
    expect(activity(process, 'submit_document').join).to.equal('xor');
    // Split Type="Parallel" on a task: the exception path and the normal path.
    expect(activity(process, 'review_document').split).to.equal('and');
  });

  it('maps transition kinds: condition, otherwise, exception', () => {
    const byId = Object.fromEntries(process.transitions.map((t) => [t.id, t]));
    expect(byId.publish_doc_Tra55).to.include({ kind: 'condition', condition: 'approvedByReviewer', from: 'review_document1' });
    expect(byId.publish_doc_tra1).to.include({ kind: 'otherwise', to: 'update_document' });
    expect(byId.publish_doc_tra1).not.to.have.property('condition');
    expect(byId['peer-tmo']).to.include({ kind: 'exception', condition: 'timeout', name: 'Peer Review Timed Out' });
    expect(byId.publish_doc_Tra2).to.include({ kind: 'normal' });
    expect(process.transitions).to.have.length(13);
  });

  it('normalises the Shark deadline idiom to milliseconds', () => {
    expect(activity(process, 'review_document').deadlines).to.deep.equal([
      { duration: '60000', exceptionName: 'timeout', synchronous: true },
    ]);
  });

  it('turns VariableToProcess_UPDATE/VIEW into updates and views', () => {
    const review = activity(process, 'review_document');
    expect(review.updates).to.deep.equal(['approvedByReviewer', 'reviewerComment']);
    expect(review.views).to.equal(undefined);
    expect(review.extendedAttributes).to.deep.equal({ ReassignToOriginalPerformer: '' });
    const finalReview = activity(process, 'final_review_document');
    expect(finalReview.views).to.deep.equal(['approvedByReviewer', 'reviewerComment']);
    expect(finalReview.updates).to.deep.equal(['approvedByPublisher', 'publisherComment']);
  });

  it('reads performers, participants and data fields', () => {
    expect(activity(process, 'create_document').performers).to.deep.equal(['author']);
    expect(process.participants.map((p) => `${p.id}:${p.type}`)).to.deep.equal([
      'author:ROLE',
      'reviewer:ROLE',
      'publisher:ROLE',
      'engine:SYSTEM',
    ]);
    expect(process.dataFields.map((f) => `${f.id}:${f.type}`)).to.deep.equal([
      'approvedByReviewer:BOOLEAN',
      'approvedByPublisher:BOOLEAN',
      'reviewerComment:STRING',
      'publisherComment:STRING',
    ]);
    expect(process.dataFields[0]).to.deep.equal({
      id: 'approvedByReviewer',
      name: 'Approved by reviewer',
      type: 'BOOLEAN',
      description: 'Whether or not the reviewer approved the document.',
    });
  });

  it('runs the JavaScript tool-agent script itself, with parameters mapped by position', () => {
    const app = process.applications.find((a) => a.id === 'updateProcessVariable');
    expect(app?.script).to.equal('var2assign=varValue;');
    expect(app).not.to.have.property('handler');
    expect(app?.formalParameters).to.deep.equal([
      { id: 'var2assign', mode: 'OUT', type: 'STRING' },
      { id: 'varValue', mode: 'IN', type: 'STRING' },
    ]);
    expect(activity(process, 'update_reviewer_comment').application).to.deep.equal({
      id: 'updateProcessVariable',
      parameters: [
        { formal: 'var2assign', actual: 'reviewerComment', direction: 'OUT' },
        { formal: 'varValue', actual: '"Reviewer task timed out"', direction: 'IN' },
      ],
    });
  });

  it('keeps the start trigger and vendor attributes, drops graphics', () => {
    expect(activity(process, 'document_approval_act1').extendedAttributes).to.deep.equal({ Trigger: 'None' });
    expect(activity(process, 'document_approval_act2')).not.to.have.property('terminate');
    expect(process.extendedAttributes).to.deep.equal({
      ASSIGNMENT_MANAGER_PLUGIN: 'org.enhydra.shark.assignment.historyrelated.HistoryRelatedAssignmentManager',
    });
    expect(JSON.stringify(process)).not.to.match(/NodeGraphicsInfo|XCoordinate|Lane/);
  });
});

describe('XPDL import: shark_retailer.xpdl (XPDL 1.0, the 2005 Wf-XML demo)', () => {
  let pkg: DefinitionPackage;
  let process: ProcessDefinition;

  before(() => {
    pkg = importXpdl(readSample('shark_retailer.xpdl'));
    process = pkg.processes[0];
  });

  it('reads the retailer process', () => {
    expect(pkg.id).to.equal('shark_retailer');
    expect(process.id).to.equal('retailer');
    expect(process.description).to.match(/^Shark Retailer process accepts a customer order/);
  });

  it('makes the four SubFlows remote subprocesses addressed by their factory URLs', () => {
    const calls = Object.fromEntries(
      process.activities.filter((a) => a.kind === 'remote-subprocess').map((a) => [a.id, a.subprocess]),
    );
    expect(Object.keys(calls)).to.have.members(['fujitsu_manufacturer', 'easy_asap_manufacturer', 'tibco_manufacturer', 'shark_manufacturer']);
    expect(calls.fujitsu_manufacturer).to.include({
      processId: 'Manufacturer',
      remoteRef: 'http://interop.i-flow.com/ibpm/jsp/ProcDef.jsp?planName=Manufacturer',
      execution: 'sync',
    });
    expect(calls.shark_manufacturer).to.include({
      processId: 'manufacturer',
      remoteRef: 'http://vajat.prozone.co.yu:8080/axis/services/wfxmlFactoryBinding?procDef=manufacturer&packageId=shark_manufacturer',
    });
    expect(calls.easy_asap_manufacturer).to.include({ processId: 'asap_evm', remoteRef: 'http://68.96.20.206:7788/asap_evm' });
    expect(calls.tibco_manufacturer).to.include({
      processId: 'Factory',
      remoteRef: 'http://bpm-interop.tibco.com:8080/ASAP/services/Factory?manufac',
    });
  });

  it('renames remote parameters with ParamMapping and passes them both ways', () => {
    const shark = process.activities.find((a) => a.id === 'shark_manufacturer');
    expect(shark?.subprocess?.parameters).to.deep.equal([
      { formal: 'product_code', actual: 'product_code', direction: 'INOUT' },
      { formal: 'product_quantity', actual: 'product_quantity', direction: 'INOUT' },
      { formal: 'order_date', actual: 'order_date', direction: 'INOUT' },
      { formal: 'order_number', actual: 'order_number', direction: 'INOUT' },
      { formal: 'retailer_name', actual: 'retailer_name', direction: 'INOUT' },
      { formal: 'manufacturer_name', actual: 'manufactured_by', direction: 'INOUT' },
      { formal: 'manufacturer_receipt_date', actual: 'manufacturer_receipt_date', direction: 'INOUT' },
      { formal: 'availability_date', actual: 'est_delivery_date', direction: 'INOUT' },
    ]);
    // Used up by the mapping; graphics and the free-text participant are not performers.
    expect(shark?.extendedAttributes).to.deep.equal({ ParticipantID: 'FreeTextExpressionParticipant', ForeignSchemaLocation: '' });
    expect(shark?.performers).to.deep.equal([]);
  });

  it('warns that the acquire application needs a handler', () => {
    expect(pkg.warnings).to.deep.equal([
      'Application "acquire" (process "retailer") carries a script Interflow does not run (org.enhydra.shark.toolagent.BshToolAgent); register a handler named "acquire" to implement it',
    ]);
    const acquire = process.applications.find((a) => a.id === 'acquire');
    expect(acquire?.handler).to.equal('acquire');
    expect(acquire).not.to.have.property('script');
    expect(acquire?.extendedAttributes?.Script).to.match(/^\/\* acquire \*\/\n {2}instock = 0 == \(productcode % 2\);/);
    expect(acquire?.extendedAttributes?.Script).to.include('manufacturedby = "Enhydra Shark (retailer)";');
  });

  it('maps the Tool call positionally and the XOR routing in TransitionRefs order', () => {
    const delay = process.activities.find((a) => a.id === 'delay_node');
    expect(delay?.kind).to.equal('automatic');
    expect(delay?.split).to.equal('xor');
    expect(delay?.application?.parameters[0]).to.deep.equal({ formal: 'productcode', actual: 'product_code', direction: 'IN' });
    expect(delay?.application?.parameters[8]).to.deep.equal({ formal: 'retailername', actual: 'retailer_name', direction: 'INOUT' });
    expect(delay?.extendedAttributes).to.include({ StartMode: 'Automatic', FinishMode: 'Manual' });
    const fromCheck = process.transitions.filter((t) => t.from === 'condition_checking').map((t) => t.id);
    expect(fromCheck).to.deep.equal(['194', '215', '214', '232']);
    expect(process.transitions.find((t) => t.id === '232')?.kind).to.equal('otherwise');
    expect(process.activities.find((a) => a.id === 'joining_flow')).to.include({ kind: 'route', join: 'xor' });
  });

  it('reads formal parameters as data fields with their mode', () => {
    const fields = Object.fromEntries(process.dataFields.map((f) => [f.id, f]));
    expect(fields.order_number).to.deep.equal({ id: 'order_number', type: 'INTEGER', mode: 'IN' });
    expect(fields.est_delivery_date).to.deep.equal({ id: 'est_delivery_date', type: 'DATETIME', mode: 'OUT' });
    expect(fields.phone_number.mode).to.equal('INOUT');
    expect(fields.Seconds).to.deep.equal({ id: 'Seconds', name: 'Seconds', type: 'INTEGER', initialValue: '30000' });
  });
});

describe('XPDL import: shark_manufacturer.xpdl (XPDL 1.0)', () => {
  let pkg: DefinitionPackage;
  let process: ProcessDefinition;

  before(() => {
    pkg = importXpdl(readSample('shark_manufacturer.xpdl'));
    process = pkg.processes[0];
  });

  it('needs handlers for both Bean Shell applications', () => {
    expect(process.applications.map((a) => [a.id, a.handler, a.script])).to.deep.equal([
      ['drink', 'drink', undefined],
      ['sweatshop', 'sweatshop', undefined],
    ]);
    expect(pkg.warnings).to.have.length(2);
    expect(pkg.warnings[0]).to.equal(
      'Application "drink" (process "manufacturer") carries a script Interflow does not run (org.enhydra.shark.toolagent.BshToolAgent); register a handler named "drink" to implement it',
    );
    expect(pkg.warnings[1]).to.include('Application "sweatshop" (process "manufacturer")');
  });

  it('reads the process formal parameters IN and OUT', () => {
    expect(process.dataFields.map((f) => `${f.id}:${f.mode}`)).to.deep.equal([
      'product_code:IN',
      'product_quantity:IN',
      'order_date:IN',
      'order_number:IN',
      'retailer_name:IN',
      'availability_date:OUT',
      'manufacturer_name:OUT',
      'manufacturer_code:OUT',
    ]);
  });

  it('calls the applications from automatic activities', () => {
    expect(process.activities.map((a) => [a.id, a.kind, a.application?.id])).to.deep.equal([
      ['a', 'automatic', 'drink'],
      ['b', 'automatic', 'sweatshop'],
    ]);
    expect(process.activities[1].application?.parameters.map((p) => p.direction)).to.deep.equal(['OUT', 'OUT', 'OUT']);
    expect(process.transitions).to.deep.equal([{ id: 'manufacturer_Tra1', from: 'a', to: 'b', kind: 'normal' }]);
  });
});
