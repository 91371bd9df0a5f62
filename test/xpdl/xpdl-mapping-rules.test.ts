import { expect } from 'chai';
import type { ActivityDef, DefinitionPackage, ProcessDefinition } from '../../src/engine/definition/process-definition';
import { exportXpdl, importXpdl } from '../../src/xpdl';
import { normaliseDuration, remoteProcessId, stringInitialValue } from '../../src/xpdl/xpdl-values';
import { readFixture } from './xpdl-test-support';

function activity(process: ProcessDefinition, id: string): ActivityDef {
  const found = process.activities.find((a) => a.id === id);
  if (!found) throw new Error(`no activity "${id}"`);
  return found;
}

describe('XPDL mapping rules', () => {
  describe('all-constructs.xpdl', () => {
    let pkg: DefinitionPackage;
    let main: ProcessDefinition;

    before(() => {
      pkg = importXpdl(readFixture('all-constructs.xpdl'));
      main = pkg.processes[0];
    });

    it('merges package and process data: formal parameters first, process fields override in place', () => {
      expect(main.dataFields.slice(0, 3)).to.deep.equal([
        { id: 'caseId', name: 'Case', type: 'STRING', mode: 'IN' },
        { id: 'greeting', name: 'Greeting', type: 'STRING', initialValue: '"Good day"' },
        { id: 'quoted', type: 'STRING', initialValue: '"Hi there"' },
      ]);
      const fields = Object.fromEntries(main.dataFields.map((f) => [f.id, f]));
      expect(fields.amount).to.deep.equal({ id: 'amount', type: 'FLOAT', initialValue: '10.5' });
      expect(fields.tags).to.deep.equal({ id: 'tags', type: 'STRING', isArray: true });
      expect(fields.document).to.deep.equal({ id: 'document', type: 'ANY', description: 'Anything that is not a basic type is ANY.' });
      const sub = pkg.processes[1];
      expect(sub.dataFields.find((f) => f.id === 'greeting')?.initialValue).to.equal('"Hello"');
      expect(sub.dataFields.slice(0, 2).map((f) => f.mode)).to.deep.equal(['IN', 'OUT']);
    });

    it('gives participants their department', () => {
      expect(main.participants).to.deep.equal([
        { id: 'registry', name: 'Land registry', type: 'ORGANIZATIONAL_UNIT', department: 'land-registry' },
        { id: 'officer', name: 'Case officer', type: 'ROLE', department: 'planning', description: 'Works for planning, but a ROLE never routes an activity by itself.' },
        { id: 'bot', name: 'Robot', type: 'SYSTEM' },
      ]);
    });

    it('routes an activity to the department of its first ORGANIZATIONAL_UNIT performer, or the Department attribute', () => {
      const check = activity(main, 'check');
      expect(check.performers).to.deep.equal(['officer', 'registry']);
      expect(check.department).to.equal('land-registry');
      expect(check.fireRule).to.equal('first');
      expect(check).not.to.have.property('extendedAttributes');
      expect(activity(main, 'review_all').department).to.equal('planning');
      expect(activity(main, 'lookup')).not.to.have.property('department');
    });

    it('reads applications: web services, safe scripts, handlers', () => {
      const apps = Object.fromEntries(main.applications.map((a) => [a.id, a]));
      expect(apps.ws_lookup).to.deep.include({ endpoint: 'http://registry.example.org/land?wsdl', extendedAttributes: { OperationName: 'lookup' } });
      expect(apps.ws_lookup).not.to.have.property('handler');
      expect(apps.tax_check.endpoint).to.equal('http://tax.example.org/check?wsdl');
      expect(apps.calc).to.deep.include({ script: 'total = amount * 2;' });
      expect(apps.notify_owner).to.deep.equal({ id: 'notify_owner', formalParameters: [], handler: 'notify_owner' });
      expect(apps.script_step__script).to.deep.equal({ id: 'script_step__script', formalParameters: [], script: 'count = count + 1;' });
      expect(pkg.warnings).to.deep.equal([
        'Application "notify_owner" (package "all_constructs") has no script or web service Interflow can run; register a handler named "notify_owner" to implement it',
      ]);
    });

    it('reads events: timed start, timer, message catch, terminate end', () => {
      expect(activity(main, 'start')).to.deep.include({ kind: 'start', extendedAttributes: { Trigger: 'Timer', TimeCycle: 'P1D' } });
      expect(activity(main, 'pause')).to.deep.include({ kind: 'timer', timer: { duration: 'PT10M' } });
      expect(activity(main, 'payment')).to.deep.include({ kind: 'receive', message: 'payment' });
      expect(activity(main, 'wait_reply')).to.deep.include({ kind: 'receive', message: 'ownerReply' });
      expect(activity(main, 'abort_end')).to.deep.include({ kind: 'end', terminate: true });
      expect(activity(main, 'done')).to.deep.include({ kind: 'end', join: 'xor' });
      expect(activity(main, 'done')).not.to.have.property('terminate');
    });

    it('reads loops, multi-instance and deadlines', () => {
      expect(activity(main, 'check').loop).to.deep.equal({ condition: '!approved', testBefore: false, maximum: 3 });
      expect(activity(main, 'review_all').multiInstance).to.deep.equal({
        count: 'count',
        ordering: 'sequential',
        completionCondition: 'nrOfCompletedInstances >= 1',
      });
      expect(activity(main, 'lookup').deadlines).to.deep.equal([
        { duration: 'PT2H', exceptionName: 'slow', synchronous: false },
        { duration: '5000', exceptionName: 'hard_timeout', synchronous: true },
      ]);
    });

    it('derives joins and splits: explicit, from the gateway type, and implicit', () => {
      const flow = (id: string): string => `${activity(main, id).join}/${activity(main, id).split}`;
      expect(flow('race')).to.equal('none/deferred');
      expect(flow('check')).to.equal('none/or'); // conditioned outgoing transitions, no Split
      expect(flow('script_step')).to.equal('none/and'); // unconditioned outgoing transitions
      expect(flow('calc_total')).to.equal('xor/none'); // several incoming, no Join
      expect(flow('merge')).to.equal('and/none'); // Route GatewayType="Parallel"
      expect(flow('lookup')).to.equal('none/none'); // exception transitions do not make a split
    });

    it('orders an XOR split by its TransitionRefs', () => {
      expect(main.transitions.filter((t) => t.from === 'race').map((t) => t.id)).to.deep.equal(['t_race_reply', 't_race_pause']);
    });

    it('reads conditions from the body or an Expression child, and both exception forms', () => {
      const byId = Object.fromEntries(main.transitions.map((t) => [t.id, t]));
      expect(byId.t_check_ok).to.deep.equal({ id: 't_check_ok', from: 'check', to: 'race', kind: 'condition', condition: 'approved' });
      expect(byId.t_lookup_slow).to.deep.include({ kind: 'exception', condition: 'slow', name: 'Too slow' });
      expect(byId.t_lookup_any).to.deep.include({ kind: 'exception', condition: '*' });
    });

    it('maps SubFlow actual parameters onto the called process\'s formal parameters', () => {
      expect(activity(main, 'call_sub').subprocess).to.deep.equal({
        processId: 'p_sub',
        execution: 'async',
        parameters: [
          { formal: 'x', actual: 'count', direction: 'IN' },
          { formal: 'y', actual: 'doubled', direction: 'OUT' },
        ],
      });
      expect(main.extendedAttributes).to.deep.equal({ Owner: 'planning' });
    });
  });

  describe('namespaces and dialects', () => {
    const minimal = (namespace: string | undefined, prefix: string, version = '2.1'): string => {
      const p = prefix ? `${prefix}:` : '';
      const xmlns = namespace === undefined ? '' : ` xmlns${prefix ? `:${prefix}` : ''}="${namespace}"`;
      return `<?xml version="1.0"?>
<${p}Package${xmlns} Id="ns_test">
  <${p}PackageHeader><${p}XPDLVersion>${version}</${p}XPDLVersion><${p}Vendor>t</${p}Vendor><${p}Created>t</${p}Created></${p}PackageHeader>
  <${p}WorkflowProcesses><${p}WorkflowProcess Id="p"><${p}ProcessHeader/>
    <${p}Activities><${p}Activity Id="a"><${p}Implementation><${p}No/></${p}Implementation></${p}Activity></${p}Activities>
  </${p}WorkflowProcess></${p}WorkflowProcesses>
</${p}Package>`;
    };
    const cases: Array<[string, string | undefined, string, string?]> = [
      ['XPDL 1.0, default namespace', 'http://www.wfmc.org/2002/XPDL1.0', '', '1.0'],
      ['XPDL 2.0, prefixed', 'http://www.wfmc.org/2004/XPDL2.0alpha', 'x', '2.0'],
      ['XPDL 2.1, prefixed', 'http://www.wfmc.org/2008/XPDL2.1', 'xpdl'],
      ['XPDL 2.2, default namespace', 'http://www.wfmc.org/2009/XPDL2.2', '', '2.2'],
      ['no namespace, XPDLVersion 2.1', undefined, ''],
    ];
    for (const [name, namespace, prefix, version] of cases) {
      it(`accepts ${name}`, () => {
        const pkg = importXpdl(minimal(namespace, prefix, version));
        expect(pkg.processes[0].activities[0]).to.deep.equal({ id: 'a', kind: 'manual', join: 'none', split: 'none', performers: [], fireRule: 'last' });
      });
    }
  });

  describe('expressions given as element or attribute', () => {
    const withLoop = (loop: string): ActivityDef =>
      importXpdl(`<Package xmlns="http://www.wfmc.org/2008/XPDL2.1" Id="c">
  <PackageHeader><XPDLVersion>2.1</XPDLVersion><Vendor>t</Vendor><Created>t</Created></PackageHeader>
  <WorkflowProcesses><WorkflowProcess Id="p"><ProcessHeader/><Activities>
    <Activity Id="a"><Implementation><No/></Implementation>${loop}</Activity>
  </Activities></WorkflowProcess></WorkflowProcesses>
</Package>`).processes[0].activities[0];

    it('reads the deprecated attribute form', () => {
      expect(withLoop('<Loop LoopType="Standard"><LoopStandard TestTime="Before" LoopCondition="n &lt; 3"/></Loop>').loop).to.deep.equal({
        condition: 'n < 3',
        testBefore: true,
      });
    });

    it('prefers the element when both are present, and reads CDATA', () => {
      expect(
        withLoop('<Loop LoopType="Standard"><LoopStandard TestTime="After" LoopCondition=""><LoopCondition ScriptType="text/x">n &gt; 2</LoopCondition></LoopStandard></Loop>').loop,
      ).to.deep.equal({ condition: 'n > 2', testBefore: false });
      expect(
        withLoop('<Loop LoopType="MultiInstance"><LoopMultiInstance MI_Ordering="Parallel" MI_Condition="9"><MI_Condition><![CDATA[len(items) < 3 && x]]></MI_Condition></LoopMultiInstance></Loop>').multiInstance,
      ).to.deep.equal({ count: 'len(items) < 3 && x', ordering: 'parallel' });
    });
  });

  describe('XPDL 1.0 specifics', () => {
    const v10 = (activities: string, extra = ''): string => `<?xml version="1.0"?>
<Package xmlns="http://www.wfmc.org/2002/XPDL1.0" Id="v10">
  <PackageHeader><XPDLVersion>1.0</XPDLVersion><Vendor>t</Vendor><Created>t</Created></PackageHeader>
  <Participants><Participant Id="tax_office"><ParticipantType Type="ORGANIZATIONAL_UNIT"/></Participant></Participants>
  <WorkflowProcesses><WorkflowProcess Id="p"><ProcessHeader/>${extra}
    <Activities>${activities}</Activities>
  </WorkflowProcess></WorkflowProcesses>
</Package>`;

    it('reads a single Performer, DeadlineCondition and StartMode/FinishMode elements', () => {
      const pkg = importXpdl(
        v10(`<Activity Id="a"><Implementation><No/></Implementation><Performer>tax_office</Performer>
          <StartMode><Manual/></StartMode><FinishMode><Automatic/></FinishMode>
          <Deadline Execution="ASYNCHR"><DeadlineCondition>var d=new java.util.Date(); d.setTime(created.getTime() + 3600000); d;</DeadlineCondition><ExceptionName>late</ExceptionName></Deadline></Activity>`),
      );
      expect(pkg.processes[0].activities[0]).to.deep.equal({
        id: 'a',
        kind: 'manual',
        join: 'none',
        split: 'none',
        performers: ['tax_office'],
        department: 'tax_office',
        fireRule: 'last',
        extendedAttributes: { StartMode: 'Manual', FinishMode: 'Automatic' },
        deadlines: [{ duration: '3600000', exceptionName: 'late', synchronous: false }],
      });
    });

    it('maps a local SubFlow without a callee in the package by name, both ways', () => {
      const pkg = importXpdl(
        v10(`<Activity Id="call"><Implementation><SubFlow Id="elsewhere"><ActualParameters><ActualParameter>a</ActualParameter></ActualParameters></SubFlow></Implementation></Activity>`),
      );
      expect(pkg.processes[0].activities[0].subprocess).to.deep.equal({
        processId: 'elsewhere',
        execution: 'sync',
        parameters: [{ formal: 'a', actual: 'a', direction: 'INOUT' }],
      });
      expect(pkg.processes[0].activities[0].kind).to.equal('subprocess');
    });

    it('decodes character references in attributes and keeps literal line breaks out', () => {
      const pkg = importXpdl(
        v10(`<Activity Id="a"><Implementation><No/></Implementation><ExtendedAttributes>
          <ExtendedAttribute Name="Note" Value="line one&#10;line &quot;two&quot; &amp; &lt;three&gt;"/>
          <ExtendedAttribute Name="Wrapped" Value="a
b"/></ExtendedAttributes></Activity>`),
      );
      expect(pkg.processes[0].activities[0].extendedAttributes).to.deep.equal({ Note: 'line one\nline "two" & <three>', Wrapped: 'a b' });
    });
  });

  describe('SubFlows to other engines in XPDL 2.x', () => {
    it('treats a SubFlow with an EndPoint and no local process as remote', () => {
      const pkg = importXpdl(`<?xml version="1.0"?>
<Package xmlns="http://www.wfmc.org/2008/XPDL2.1" Id="r">
  <PackageHeader><XPDLVersion>2.1</XPDLVersion><Vendor>t</Vendor><Created>t</Created></PackageHeader>
  <WorkflowProcesses><WorkflowProcess Id="p"><ProcessHeader/><Activities>
    <Activity Id="call"><Implementation><SubFlow Id="land_check" Execution="ASYNCHR">
      <DataMappings><DataMapping Formal="parcel" Direction="INOUT"><Actual>parcelNo</Actual></DataMapping></DataMappings>
      <EndPoint><ExternalReference location="https://registry.example.org/wfxml/factory/land_check"/></EndPoint>
    </SubFlow></Implementation></Activity>
  </Activities></WorkflowProcess></WorkflowProcesses>
</Package>`);
      const call = pkg.processes[0].activities[0];
      expect(call.kind).to.equal('remote-subprocess');
      expect(call.subprocess).to.deep.equal({
        processId: 'land_check',
        remoteRef: 'https://registry.example.org/wfxml/factory/land_check',
        execution: 'async',
        parameters: [{ formal: 'parcel', actual: 'parcelNo', direction: 'INOUT' }],
      });
      expect(importXpdl(exportXpdl(pkg)).processes).to.deep.equal(pkg.processes);
    });
  });

  describe('export of hand-built definitions', () => {
    it('writes a handler that differs from the application id, and it reads back', () => {
      const pkg: DefinitionPackage = {
        id: 'h',
        warnings: [],
        processes: [
          {
            id: 'p',
            dataFields: [],
            participants: [],
            applications: [{ id: 'mailer', formalParameters: [], handler: 'smtp-mailer' }],
            activities: [{ id: 'send', kind: 'automatic', join: 'none', split: 'none', performers: [], fireRule: 'last', application: { id: 'mailer', parameters: [] } }],
            transitions: [],
          },
        ],
      };
      const xml = exportXpdl(pkg);
      expect(xml).to.include('<xpdl:ExtendedAttribute Name="Handler" Value="smtp-mailer"/>');
      const back = importXpdl(xml);
      expect(back.processes[0].applications[0]).to.deep.equal({ id: 'mailer', formalParameters: [], handler: 'smtp-mailer' });
      expect(back.warnings[0]).to.include('register a handler named "smtp-mailer"');
    });
  });

  describe('value rules', () => {
    it('normalises deadline durations', () => {
      expect(normaliseDuration('60000')).to.equal('60000');
      expect(normaliseDuration(' PT60S ')).to.equal('PT60S');
      expect(normaliseDuration('P2DT3H')).to.equal('P2DT3H');
      expect(normaliseDuration('var d=new java.util.Date();\nd.setTime(shark_activity_created_time.getTime()+60000);\nd;')).to.equal('60000');
      expect(normaliseDuration('d.setTime( t.getTime ( ) +  90000L );')).to.equal('90000');
      for (const bad of ['P1M', 'P1Y', 'PT', 'P', 'soon', 'd.setTime(t.getTime()+60000*5)', '']) {
        expect(normaliseDuration(bad), bad).to.equal(undefined);
      }
    });

    it('quotes STRING initial values that are not already one string literal', () => {
      expect(stringInitialValue('Hello')).to.equal('"Hello"');
      expect(stringInitialValue('"Hello"')).to.equal('"Hello"');
      expect(stringInitialValue("'Hello'")).to.equal("'Hello'");
      expect(stringInitialValue('"a" + "b"')).to.equal('"\\"a\\" + \\"b\\""');
      expect(stringInitialValue('say "hi"')).to.equal('"say \\"hi\\""');
      expect(stringInitialValue('"escaped \\" quote"')).to.equal('"escaped \\" quote"');
    });

    it('derives the remote process id from a factory address', () => {
      expect(remoteProcessId('http://interop.i-flow.com/ibpm/jsp/ProcDef.jsp?planName=Manufacturer')).to.equal('Manufacturer');
      expect(remoteProcessId('http://vajat.prozone.co.yu:8080/axis/services/wfxmlFactoryBinding?procDef=manufacturer&packageId=shark_manufacturer')).to.equal('manufacturer');
      expect(remoteProcessId('http://68.96.20.206:7788/asap_evm')).to.equal('asap_evm');
      expect(remoteProcessId('http://bpm-interop.tibco.com:8080/ASAP/services/Factory?manufac')).to.equal('Factory');
      expect(remoteProcessId('https://engine.example.org/factories/permit/')).to.equal('permit');
    });
  });
});
