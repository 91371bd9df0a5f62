import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DefinitionError, EngineError, WorkflowEngine, type Store } from '../../src/engine';
import { exportXpdl, importXpdl } from '../../src/xpdl';
import { createTestStore } from '../support/test-store';

const X = 'http://www.wfmc.org/2008/XPDL2.1';

/** A one-activity package whose review updates `decision` (an XPDL 2.1 EnumerationType) and `note`. */
function review(extended: string): string {
  return `<?xml version="1.0"?>
<Package xmlns="${X}" Id="forms" Name="Forms">
  <PackageHeader><XPDLVersion>2.1</XPDLVersion><Vendor>test</Vendor><Created>2026-12-01</Created></PackageHeader>
  <DataFields>
    <DataField Id="decision" Name="Decision"><DataType><EnumerationType><EnumerationValue Name="grant"/><EnumerationValue Name="refuse"/></EnumerationType></DataType></DataField>
    <DataField Id="note" Name="Note"><DataType><BasicType Type="STRING"/></DataType></DataField>
  </DataFields>
  <WorkflowProcesses><WorkflowProcess Id="form_review">
    <Activities>
      <Activity Id="review"><Implementation><Task><TaskUser/></Task></Implementation><Performers><Performer>clerk</Performer></Performers>
        <ExtendedAttributes>
          <ExtendedAttribute Name="VariableToProcess_UPDATE" Value="decision"/>
          <ExtendedAttribute Name="VariableToProcess_UPDATE" Value="note"/>
          ${extended}
        </ExtendedAttributes>
      </Activity>
    </Activities>
  </WorkflowProcess></WorkflowProcesses>
</Package>`;
}

/**
 * How XPDL marks what a work item's form asks (docs/xpdl-mapping.md, "Forms"): an activity's
 * ExtendedAttribute Required names a field it updates that its performer must give; a DataField's
 * XPDL 2.1 EnumerationType lists the values the field takes.
 */
describe('XPDL: required fields and enumerations', () => {
  let store: Store;
  let engine: WorkflowEngine;
  before(async () => {
    store = await createTestStore();
    engine = new WorkflowEngine({ store });
  });
  after(async () => store.close());

  it('imports Required and EnumerationType, and exports them back unchanged', () => {
    const pkg = importXpdl(review('<ExtendedAttribute Name="Required" Value="decision"/>'));
    const [p] = pkg.processes;
    expect(p.activities.find((a) => a.id === 'review')!.required).to.deep.equal(['decision']);
    expect(p.dataFields.find((f) => f.id === 'decision')).to.deep.include({ type: 'STRING', allowedValues: ['grant', 'refuse'] });
    const xml = exportXpdl(pkg);
    expect(xml).to.match(/<(\w+:)?ExtendedAttribute Name="Required" Value="decision"\/>/).and.match(/<(\w+:)?EnumerationValue Name="refuse"\/>/);
    expect(importXpdl(xml).processes).to.deep.equal(pkg.processes);
  });

  it('refuses at deploy a Required field the activity does not update, naming both', async () => {
    const err = await engine.deploy(importXpdl(review('<ExtendedAttribute Name="Required" Value="applicant"/>'))).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DefinitionError);
    expect((err as Error).message).to.include('Activity "review" marks "applicant" as required, but does not update it (it updates: decision, note)');
  });

  it('completing needs the required field; a value outside the enumeration is refused by name', async () => {
    await engine.deploy(importXpdl(review('<ExtendedAttribute Name="Required" Value="decision"/>')));
    const c = await engine.startProcess('form_review');
    const id = c.workItems[0].id;
    const missing = await engine.completeWorkItem(id, { data: { note: 'looks fine' } }).catch((e: unknown) => e);
    expect((missing as EngineError).code).to.equal('INVALID_DATA');
    expect((missing as Error).message).to.match(/needs "decision": a required field/);
    const wrong = await engine.completeWorkItem(id, { data: { decision: 'maybe' } }).catch((e: unknown) => e);
    expect((wrong as Error).message).to.equal('Data field "decision" takes one of: grant, refuse; "maybe" is not among them');
    const done = await engine.completeWorkItem(id, { data: { decision: 'grant' } });
    expect(done.state).to.equal('closed.completed');
    expect(done.data).to.include({ decision: 'grant' });
  });

  it('the business licence marks the fields each of its forms exists to collect', () => {
    const pkg = importXpdl(readFileSync(resolve(__dirname, '../../examples/business-licence.xpdl'), 'utf8'));
    const required = pkg.processes.flatMap((p) => p.activities.filter((a) => a.required).map((a) => [a.id, a.required]));
    expect(required).to.deep.equal([['receive_application', ['businessName', 'address']], ['review_application', ['complete']], ['approve', ['approved']], ['visit_premises', ['premisesSafe']]]);
  });
});
