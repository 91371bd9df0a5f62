import { expect } from 'chai';
import { importXpdl, MAX_XPDL_BYTES, XpdlImportError } from '../../src/xpdl';
import { readFixture } from './xpdl-test-support';

function refusal(xml: string): XpdlImportError {
  try {
    importXpdl(xml);
  } catch (error) {
    if (error instanceof XpdlImportError) return error;
    throw error;
  }
  throw new Error('the document was imported, but it should have been refused');
}

/** One fixture per refused construct: what must be named, and a hint of the advice given. */
const FIXTURES: Array<{ file: string; element: string; elementId?: string; message: RegExp }> = [
  {
    file: 'block-activity.xpdl',
    element: 'BlockActivity',
    elementId: 'a7',
    message: /^Unsupported XPDL construct: BlockActivity in Activity "a7" \(process "p1"\): the block runs activity set "set9", which the process does not declare under ActivitySets$/,
  },
  { file: 'activity-sets.xpdl', element: 'ActivitySet', elementId: 'set1', message: /ActivitySet "set1" in process "p1": an ad-hoc activity set \(AdHoc="true"\) is not supported/ },
  { file: 'complex-gateway.xpdl', element: 'Route', elementId: 'gw1', message: /Route in Activity "gw1" \(process "p1"\): GatewayType Complex is not supported; express the rule as conditions on an Inclusive/ },
  { file: 'complex-join.xpdl', element: 'Join', elementId: 'merge', message: /Join in Activity "merge" \(process "p1"\): Type Complex is not supported/ },
  {
    file: 'boundary-event.xpdl',
    element: 'IntermediateEvent',
    elementId: 'timeout1',
    message: /IntermediateEvent in Activity "timeout1" \(process "p1"\): boundary events with Trigger "Compensation" are not supported \(a boundary event may be a Timer, an Error, a Message or a Signal\)/,
  },
  { file: 'end-event-compensation.xpdl', element: 'EndEvent', elementId: 'fail_end', message: /EndEvent in Activity "fail_end" \(process "p1"\): Result "Compensation" is not supported: Interflow has no compensation/ },
  { file: 'doctype-entity.xpdl', element: 'DOCTYPE', message: /^Unsupported XPDL construct: DOCTYPE: document type declarations are refused/ },
  {
    file: 'unparseable-deadline.xpdl',
    element: 'Deadline',
    elementId: 'review',
    message: /Deadline in Activity "review" \(process "p1"\): cannot read the duration "new java\.util\.Date\(2025, 1, 1\)"; give the duration as milliseconds or an ISO-8601 duration such as PT1H/,
  },
  { file: 'unknown-transition-target.xpdl', element: 'Transition', elementId: 't9', message: /^Invalid XPDL: Transition "t9" in process "p1": To refers to unknown activity "nowhere"$/ },
  { file: 'mi-flow-none.xpdl', element: 'LoopMultiInstance', elementId: 'inspect', message: /LoopMultiInstance in Activity "inspect" \(process "p1"\): MI_FlowCondition None .* is not supported; use All, One, or Complex/ },
  { file: 'task-service.xpdl', element: 'TaskService', elementId: 'lookup', message: /TaskService in Activity "lookup" \(process "p1"\): service tasks are not supported yet/ },
  { file: 'unsafe-task-script.xpdl', element: 'TaskScript', elementId: 'shutdown', message: /TaskScript in Activity "shutdown" \(process "p1"\): the script is not in Interflow's statement language/ },
  { file: 'multiple-tools.xpdl', element: 'Tool', elementId: 'stamp_and_file', message: /Tool in Activity "stamp_and_file" \(process "p1"\): calls Application "file", which neither the package nor the process declares/ },
];

describe('XPDL import refuses what it cannot run faithfully', () => {
  for (const { file, element, elementId, message } of FIXTURES) {
    it(`${file}: names ${element}${elementId ? ` "${elementId}"` : ''} and says why`, () => {
      const error = refusal(readFixture(`unsupported/${file}`));
      expect(error.element).to.equal(element);
      expect(error.elementId).to.equal(elementId);
      expect(error.reason).to.be.a('string').and.not.equal('');
      expect(error.message).to.match(message);
      expect(error.message).to.include(element);
      if (elementId) expect(error.message).to.include(`"${elementId}"`);
    });
  }

  it('refuses any DOCTYPE or ENTITY before parsing, even a harmless one', () => {
    const plain = readFixture('permit-application.xpdl');
    const withDoctype = plain.replace('<xpdl:Package', '<!DOCTYPE Package>\n<xpdl:Package');
    expect(refusal(withDoctype).element).to.equal('DOCTYPE');
    const withEntity = plain.replace('<xpdl:Package', '<!-- <!ENTITY x "y"> -->\n<xpdl:Package');
    expect(refusal(withEntity).element).to.equal('ENTITY');
  });

  it('refuses input over 10 MiB without parsing it', () => {
    const padding = ' '.repeat(MAX_XPDL_BYTES);
    const error = refusal(`${readFixture('permit-application.xpdl')}${padding}`);
    expect(error.element).to.equal('Document');
    expect(error.message).to.match(/over the 10485760-byte \(10 MiB\) limit/);
  });

  it('counts bytes, not characters', () => {
    // 3.5 M three-byte characters is about 10.5 MB, though only 3.5 M UTF-16 code units.
    const error = refusal(`<!-- ${'€'.repeat(3_500_000)} -->${readFixture('permit-application.xpdl')}`);
    expect(error.message).to.match(/10 MiB/);
  });

  it('refuses XML that is not well-formed, and documents that are not XPDL packages', () => {
    expect(refusal('<Package Id="x"><WorkflowProcesses></Package>').message).to.match(/^Invalid XPDL: Document: not well-formed XML/);
    expect(refusal('<Definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>').message).to.match(
      /^Invalid XPDL: Definitions: the root element of an XPDL document must be Package/,
    );
    expect(refusal('<Package xmlns="urn:other" Id="x"/>').message).to.match(/namespace "urn:other" is not XPDL 1\.0, 2\.0, 2\.1 or 2\.2/);
    expect(refusal('<Package Id="x"><PackageHeader/></Package>').message).to.match(/no XPDL namespace and no PackageHeader\/XPDLVersion/);
  });

  describe('inline refusals', () => {
    const wrap = (activities: string, extra = '', packageLevel = ''): string => `<?xml version="1.0"?>
<Package xmlns="http://www.wfmc.org/2008/XPDL2.1" Id="inline">
  <PackageHeader><XPDLVersion>2.1</XPDLVersion><Vendor>t</Vendor><Created>t</Created></PackageHeader>
  ${packageLevel}
  <WorkflowProcesses><WorkflowProcess Id="p"><ProcessHeader/>
    <Activities>${activities}</Activities>${extra}
  </WorkflowProcess></WorkflowProcesses>
</Package>`;

    const cases: Array<[string, string, RegExp, string?, string?]> = [
      ['a Complex split', '<Activity Id="s"><Implementation><No/></Implementation><TransitionRestrictions><TransitionRestriction><Split Type="Complex"/></TransitionRestriction></TransitionRestrictions></Activity>', /Split in Activity "s"/],
      ['TaskSend', '<Activity Id="s"><Implementation><Task><TaskSend/></Task></Implementation></Activity>', /TaskSend in Activity "s" \(process "p"\): send tasks are not supported yet/],
      ['TaskReference', '<Activity Id="s"><Implementation><Task><TaskReference TaskRef="s"/></Task></Implementation></Activity>', /TaskReference in Activity "s".*not supported yet/],
      ['a Link intermediate event without a name', '<Activity Id="s"><Event><IntermediateEvent Trigger="Link"/></Event></Activity>', /IntermediateEvent in Activity "s".*the Link event has no name/],
      ['a throwing message event', '<Activity Id="s"><Event><IntermediateEvent Trigger="Message"><TriggerResultMessage CatchThrow="THROW"><Message Id="m" Name="m"/></TriggerResultMessage></IntermediateEvent></Event></Activity>', /throwing message events are not supported yet/],
      ['an end event with Result Message', '<Activity Id="e"><Event><EndEvent Result="Message"/></Event></Activity>', /EndEvent in Activity "e".*Result "Message"/],
      ['an end event with Result Multiple', '<Activity Id="e"><Event><EndEvent Result="Multiple"/></Event></Activity>', /EndEvent in Activity "e".*Result "Multiple" is not supported: an end event with several results/],
      ['a timer without time', '<Activity Id="t"><Event><IntermediateEvent Trigger="Timer"/></Event></Activity>', /needs TriggerTimer with a TimeCycle/],
      ['a deadline in months', '<Activity Id="d"><Implementation><No/></Implementation><Deadline><DeadlineDuration>P1M</DeadlineDuration><ExceptionName>x</ExceptionName></Deadline></Activity>', /Deadline in Activity "d".*cannot read the duration "P1M"/],
      ['a Shark deadline with arithmetic after the offset', '<Activity Id="d"><Implementation><No/></Implementation><Deadline><DeadlineDuration>d.setTime(t.getTime()+60000*5); d;</DeadlineDuration></Deadline></Activity>', /Deadline in Activity "d"/],
      ['an unknown FireRule', '<Activity Id="f"><Implementation><No/></Implementation><ExtendedAttributes><ExtendedAttribute Name="FireRule" Value="majority"/></ExtendedAttributes></Activity>', /ExtendedAttribute in Activity "f".*FireRule "majority"/],
      ['a receive task that starts the process', '<Activity Id="r"><Implementation><Task><TaskReceive Instantiate="true"><Message Id="m"/></TaskReceive></Task></Implementation></Activity>', /TaskReceive in Activity "r".*StartEvent with Trigger Message/],
      ['an application nobody declares', '<Activity Id="c"><Implementation><Task><TaskApplication Id="ghost"/></Task></Implementation></Activity>', /TaskApplication in Activity "c".*Application "ghost", which neither the package nor the process declares/],
      ['too few actual parameters', '<Activity Id="c"><Implementation><Task><TaskApplication Id="two"><ActualParameters><ActualParameter>a</ActualParameter></ActualParameters></TaskApplication></Task></Implementation></Activity>', /passes 1 actual parameters to Application "two", which declares 2 formal parameters/, '', '<Applications><Application Id="two"><FormalParameters><FormalParameter Id="x"><DataType><BasicType Type="STRING"/></DataType></FormalParameter><FormalParameter Id="y"><DataType><BasicType Type="STRING"/></DataType></FormalParameter></FormalParameters></Application></Applications>'],
      ['a Transaction', '<Activity Id="x"><Implementation><No/></Implementation><Transaction/></Activity>', /Transaction in Activity "x"/],
      ['activity assignments', '<Activity Id="x"><Implementation><No/></Implementation><Assignments><Assignment><Target>a</Target><Expression>1</Expression></Assignment></Assignments></Activity>', /Assignments in Activity "x".*TaskScript/],
      ['a loop without condition', '<Activity Id="l"><Implementation><No/></Implementation><Loop LoopType="Standard"><LoopStandard TestTime="After"/></Loop></Activity>', /LoopStandard in Activity "l".*needs a LoopCondition/],
      ['a SubFlow starting at a given activity', '<Activity Id="s"><Implementation><SubFlow Id="other" StartActivityId="x"/></Implementation></Activity>', /SubFlow in Activity "s".*StartActivityId is not supported yet/],
      ['a TransitionRef that leaves another activity', '<Activity Id="a"><Implementation><No/></Implementation><TransitionRestrictions><TransitionRestriction><Split Type="Exclusive"><TransitionRefs><TransitionRef Id="t_b"/></TransitionRefs></Split></TransitionRestriction></TransitionRestrictions></Activity><Activity Id="b"><Implementation><No/></Implementation></Activity>', /^Invalid XPDL: TransitionRef "t_b" in Activity "a" \(process "p"\)/, '<Transitions><Transition Id="t_b" From="b" To="a"/></Transitions>'],
      ['duplicate activity Ids', '<Activity Id="a"><Implementation><No/></Implementation></Activity><Activity Id="a"/>', /Activity "a" in process "p": the activity Id is used twice/],
      ['an unknown participant type', '<Activity Id="a"/>', /Participant "x" in package "inline": ParticipantType "BOT"/, '', '<Participants><Participant Id="x"><ParticipantType Type="BOT"/></Participant></Participants>'],
    ];
    for (const [what, activities, message, extra, packageLevel] of cases) {
      it(`refuses ${what}`, () => {
        expect(refusal(wrap(activities, extra ?? '', packageLevel ?? '')).message).to.match(message);
      });
    }
  });
});
