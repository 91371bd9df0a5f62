import { expect } from 'chai';
import { importXpdl, XpdlImportError } from '../../src/xpdl';

/**
 * Issue 11: `AdHoc="true" AdHocOrdering="Sequential"` (interleaved parallel routing) was silently
 * ignored and dropped by the export; a discriminator / N-out-of-M join (`Join Type="Complex"`) was
 * refused with advice to use an OR-join, which cannot express it. Both are refused by name, saying
 * what to model instead.
 */
function doc(processAttributes: string, activities: string, transitions = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://www.wfmc.org/2008/XPDL2.1" Id="pk" Name="pk">
  <PackageHeader><XPDLVersion>2.1</XPDLVersion><Vendor>t</Vendor><Created>2026</Created></PackageHeader>
  <WorkflowProcesses>
    <WorkflowProcess Id="p1" Name="p1" ${processAttributes}>
      <Activities>${activities}</Activities>
      <Transitions>${transitions}</Transitions>
    </WorkflowProcess>
  </WorkflowProcesses>
</Package>`;
}

function refusal(xml: string): XpdlImportError {
  try {
    importXpdl(xml);
  } catch (e) {
    expect(e).to.be.instanceOf(XpdlImportError);
    return e as XpdlImportError;
  }
  return expect.fail('imported') as never;
}

describe('regression: ad-hoc routing and complex joins are refused by name (issue 11)', () => {
  it('refuses AdHoc="true" AdHocOrdering="Sequential" on the process', () => {
    const e = refusal(doc('AdHoc="true" AdHocOrdering="Sequential"', '<Activity Id="a"><Implementation><No/></Implementation></Activity><Activity Id="b"><Implementation><No/></Implementation></Activity>'));
    expect(e.message).to.match(/WorkflowProcess in process "p1": AdHoc="true" with AdHocOrdering "Sequential" \(interleaved parallel routing: the activities run one at a time in any order\) is not supported/);
  });

  it('refuses a parallel ad-hoc process too, and accepts AdHoc="false"', () => {
    expect(refusal(doc('AdHoc="true"', '<Activity Id="a"><Implementation><No/></Implementation></Activity>')).message).to.match(/AdHocOrdering "Parallel"/);
    expect(importXpdl(doc('AdHoc="false"', '<Activity Id="a"><Implementation><No/></Implementation></Activity>')).processes).to.have.length(1);
  });

  it('refuses Join Type="Complex" naming the discriminator and what to model instead', () => {
    const e = refusal(doc('', `
      <Activity Id="a"><Implementation><No/></Implementation></Activity>
      <Activity Id="b"><Implementation><No/></Implementation></Activity>
      <Activity Id="first"><Route/><TransitionRestrictions><TransitionRestriction><Join Type="Complex"/></TransitionRestriction></TransitionRestrictions></Activity>`,
      '<Transition Id="t1" From="a" To="first"/><Transition Id="t2" From="b" To="first"/>'));
    expect(e.message).to.match(/Join in Activity "first" \(process "p1"\): Type Complex is not supported: Interflow has no discriminator or N-out-of-M join/);
    expect(e.message).to.match(/deferred choice/);
    expect(e.message).to.match(/nrOfCompletedInstances >= N/);
  });
});
